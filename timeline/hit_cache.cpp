// timeline/hit_cache.cpp - stored scan results, looked up by point and stretch.
#include "timeline/hit_cache.hpp"

#include <algorithm>

namespace rvrr::timeline {

HitCache::Answer HitCache::lookup(const PointKey& key, std::uint64_t from, std::uint64_t to) const {
  Answer answer;
  auto it = keys_.find(key);
  if (it == keys_.end()) return answer;
  for (const Stretch& s : it->second) {
    if (s.from > from || s.to < to) continue;
    answer.known = true;
    // Latest event < to (and >= from).
    auto pos = std::lower_bound(s.events.begin(), s.events.end(), to);
    if (pos != s.events.begin() && *std::prev(pos) >= from) answer.last = *std::prev(pos);
    return answer;
  }
  return answer;
}

void HitCache::store(const PointKey& key, std::uint64_t from, std::uint64_t to, std::vector<std::uint64_t> events) {
  if (from >= to) return;
  if (events.size() > kMaxEvents) {
    // Keep the latest events; the stretch now starts at the first kept one,
    // so it still holds every event it covers.
    events.erase(events.begin(), events.end() - static_cast<std::ptrdiff_t>(kMaxEvents));
    from = events.front();
  }
  if (keys_.size() >= kMaxKeys && keys_.find(key) == keys_.end()) keys_.clear();
  auto& stretches = keys_[key];
  // A stretch inside the new one says nothing more.
  std::erase_if(stretches, [&](const Stretch& s) { return s.from >= from && s.to <= to; });
  if (stretches.size() >= kMaxStretches) stretches.erase(stretches.begin());
  stretches.push_back(Stretch{from, to, std::move(events)});
}

void HitCache::truncate(std::uint64_t icount) {
  for (auto it = keys_.begin(); it != keys_.end();) {
    auto& stretches = it->second;
    for (Stretch& s : stretches) {
      if (s.to <= icount) continue;
      s.to = icount;
      auto cut = std::lower_bound(s.events.begin(), s.events.end(), icount);
      s.events.erase(cut, s.events.end());
    }
    std::erase_if(stretches, [](const Stretch& s) { return s.from >= s.to; });
    it = stretches.empty() ? keys_.erase(it) : std::next(it);
  }
}

std::size_t HitCache::stretches() const {
  std::size_t n = 0;
  for (const auto& [key, s] : keys_) n += s.size();
  return n;
}

}  // namespace rvrr::timeline
