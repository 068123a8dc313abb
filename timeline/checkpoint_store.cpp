// timeline/checkpoint_store.cpp - checkpoints, their page accounting and thinning.
#include "timeline/checkpoint_store.hpp"

#include <bit>
#include <unordered_set>

namespace rvrr::timeline {

namespace {

std::uint64_t distance(std::uint64_t a, std::uint64_t b) { return a > b ? a - b : b - a; }

}  // namespace

CheckpointStore::CheckpointStore(std::uint64_t budget_bytes) : budget_(budget_bytes) {}

void CheckpointStore::count_pages(const vm::Machine& machine, int delta) {
  machine.memory().for_each_page([&](std::uint64_t, const void* identity) {
    if (delta > 0) {
      ++page_refs_[identity];
    } else {
      auto it = page_refs_.find(identity);
      if (it != page_refs_.end() && --it->second == 0) page_refs_.erase(it);
    }
  });
}

std::uint64_t CheckpointStore::add(const vm::Machine& machine, bool pinned) {
  auto found = by_icount_.find(machine.icount());
  if (found != by_icount_.end()) {
    found->second.pinned = found->second.pinned || pinned;
    return found->second.id;
  }
  Checkpoint cp{next_id_++, machine.icount(), pinned, machine, 0};
  cp.overhead = kTableBytes + kBytesPerMappedPage * machine.memory().page_count();
  count_pages(cp.machine, +1);
  overhead_total_ += cp.overhead;
  auto [it, inserted] = by_icount_.emplace(cp.icount, std::move(cp));
  (void)inserted;
  return it->second.id;
}

void CheckpointStore::replace_machine(const vm::Machine& machine) {
  auto it = by_icount_.find(machine.icount());
  if (it == by_icount_.end()) return;
  count_pages(it->second.machine, -1);
  it->second.machine = machine;
  count_pages(it->second.machine, +1);
}

const Checkpoint* CheckpointStore::at(std::uint64_t icount) const {
  auto it = by_icount_.find(icount);
  return it == by_icount_.end() ? nullptr : &it->second;
}

const Checkpoint* CheckpointStore::at_or_before(std::uint64_t icount) const {
  auto it = by_icount_.upper_bound(icount);
  if (it == by_icount_.begin()) return nullptr;
  return &std::prev(it)->second;
}

const Checkpoint* CheckpointStore::before(std::uint64_t icount) const {
  auto it = by_icount_.lower_bound(icount);
  if (it == by_icount_.begin()) return nullptr;
  return &std::prev(it)->second;
}

const Checkpoint* CheckpointStore::after(std::uint64_t icount) const {
  auto it = by_icount_.upper_bound(icount);
  return it == by_icount_.end() ? nullptr : &it->second;
}

const Checkpoint* CheckpointStore::find_id(std::uint64_t id) const {
  for (const auto& [icount, cp] : by_icount_) {
    if (cp.id == id) return &cp;
  }
  return nullptr;
}

std::vector<const Checkpoint*> CheckpointStore::list() const {
  std::vector<const Checkpoint*> out;
  out.reserve(by_icount_.size());
  for (const auto& [icount, cp] : by_icount_) out.push_back(&cp);
  return out;
}

void CheckpointStore::remove(std::map<std::uint64_t, Checkpoint>::iterator it) {
  count_pages(it->second.machine, -1);
  overhead_total_ -= it->second.overhead;
  by_icount_.erase(it);
}

void CheckpointStore::drop_after(std::uint64_t icount) {
  while (!by_icount_.empty() && by_icount_.rbegin()->first > icount) {
    remove(std::prev(by_icount_.end()));
  }
}

std::uint64_t CheckpointStore::measure(const vm::Machine& current) const {
  // One page object may be mapped at several page numbers (e.g. a shared
  // zero page): count identities, not mappings.
  std::unordered_set<const void*> shared;
  current.memory().for_each_page([&](std::uint64_t, const void* identity) {
    if (page_refs_.count(identity) != 0) shared.insert(identity);
  });
  return (page_refs_.size() - shared.size()) * vm::kPageSize + overhead_total_;
}

void CheckpointStore::thin_buckets(std::uint64_t now) {
  // Bucket = (side of now, bit width of the distance). Within an overfull
  // bucket drop the checkpoint whose neighbours are closest together, which
  // keeps the survivors evenly spread across the bucket.
  for (;;) {
    std::map<std::pair<int, int>, std::size_t> fill;
    for (const auto& [icount, cp] : by_icount_) {
      if (!evictable(cp)) continue;
      fill[{icount < now ? 0 : 1, std::bit_width(distance(icount, now))}]++;
    }
    bool any = false;
    for (const auto& [bucket, n] : fill) {
      if (n <= kPerBucket) continue;
      any = true;
      auto victim = by_icount_.end();
      std::uint64_t best_gap = ~0ull;
      for (auto it = by_icount_.begin(); it != by_icount_.end(); ++it) {
        const Checkpoint& cp = it->second;
        if (!evictable(cp)) continue;
        std::pair<int, int> b{cp.icount < now ? 0 : 1, std::bit_width(distance(cp.icount, now))};
        if (b != bucket) continue;
        std::uint64_t prev = it == by_icount_.begin() ? cp.icount : std::prev(it)->first;
        auto next_it = std::next(it);
        std::uint64_t next = next_it == by_icount_.end() ? std::max(cp.icount, now) : next_it->first;
        if (next - prev < best_gap) {
          best_gap = next - prev;
          victim = it;
        }
      }
      if (victim != by_icount_.end()) remove(victim);
      break;  // the buckets' fill changed: recount
    }
    if (!any) return;
  }
}

std::map<std::uint64_t, Checkpoint>::iterator CheckpointStore::cheapest_victim(std::uint64_t now) {
  auto victim = by_icount_.end();
  double best = 0;
  for (auto it = by_icount_.begin(); it != by_icount_.end(); ++it) {
    const Checkpoint& cp = it->second;
    if (!evictable(cp)) continue;
    std::uint64_t prev = it == by_icount_.begin() ? cp.icount : std::prev(it)->first;
    auto next_it = std::next(it);
    std::uint64_t next = next_it == by_icount_.end() ? std::max(cp.icount, now) : next_it->first;
    double score = static_cast<double>(next - prev) / static_cast<double>(distance(cp.icount, now) + 1);
    if (victim == by_icount_.end() || score < best) {
      best = score;
      victim = it;
    }
  }
  return victim;
}

void CheckpointStore::enforce(std::uint64_t now, const vm::Machine& current) {
  thin_buckets(now);
  while (by_icount_.size() > kMaxCount) {
    auto victim = cheapest_victim(now);
    if (victim == by_icount_.end()) break;
    remove(victim);
  }
  // Cheap bound first: every page a checkpoint holds, as if none were shared
  // with the current machine. Under budget that way, nothing to evict.
  const std::uint64_t bound = page_refs_.size() * vm::kPageSize + overhead_total_;
  if (bound <= budget_) {
    bytes_ = bound;
    peak_ = std::max(peak_, bytes_);
    return;
  }
  std::unordered_set<const void*> current_pages;
  current.memory().for_each_page([&](std::uint64_t, const void* identity) { current_pages.insert(identity); });
  auto charged = [&] {
    std::uint64_t unique = 0;
    for (const auto& [identity, refs] : page_refs_) {
      if (current_pages.count(identity) == 0) ++unique;
    }
    return unique * vm::kPageSize + overhead_total_;
  };
  while (charged() > budget_) {
    auto victim = cheapest_victim(now);
    if (victim == by_icount_.end()) break;  // only protected checkpoints left
    remove(victim);
  }
  bytes_ = charged();
  peak_ = std::max(peak_, bytes_);
}

}  // namespace rvrr::timeline
