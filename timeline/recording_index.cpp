// timeline/recording_index.cpp - building and asking the per-stretch index.
#include "timeline/recording_index.hpp"

#include <algorithm>
#include <bit>

namespace rvrr::timeline {

namespace {

// Page numbers are kept in 32 bits (RV64's sv39 space has 2^26 pages):
// anything at or above the top value would share it (clamp), which only ever
// turns "cannot" into "may".
std::uint32_t clamp_page(std::uint64_t page) { return static_cast<std::uint32_t>(std::min<std::uint64_t>(page, 0xffffffffu)); }

// A run's key, one word: its start (RV32's and RV64's sv39/sv48 user
// addresses lie below 2^47) and its length in the bits above (a run never
// crosses a page end: at most 4 KiB). Beyond that (never in rvrr's address
// spaces) a run is recorded as the one byte at kTopCode - 1, which every pc
// at or above it may have executed: conservative, as before.
constexpr unsigned kStartBits = 47;
constexpr vm::Addr kTopCode = vm::Addr{1} << kStartBits;
std::uint64_t run_key(vm::Addr start, vm::Addr end) {
  if (start < kTopCode && end > start && end - start < (vm::Addr{1} << (64 - kStartBits)))
    return start | (end - start) << kStartBits;
  return (kTopCode - 1) | std::uint64_t{1} << kStartBits;
}
vm::Addr key_start(std::uint64_t key) { return key & (kTopCode - 1); }
vm::Addr key_end(std::uint64_t key) { return key_start(key) + (key >> kStartBits); }

// Any page of [addr, addr+len) in `sorted` (written pages, clamped)?
bool any_page(const std::vector<std::uint32_t>& sorted, vm::Addr addr, std::uint32_t len) {
  const std::uint32_t first = clamp_page(addr >> vm::kPageShift);
  const std::uint32_t last = clamp_page((addr + (std::max<std::uint32_t>(len, 1) - 1)) >> vm::kPageShift);
  auto it = std::lower_bound(sorted.begin(), sorted.end(), first);
  return it != sorted.end() && *it <= last;
}

// Any page of [addr, addr+len) among the read pages (bits of the trace's read
// bitmap: page numbers modulo 2^20, see vm::read_page_bit)?
bool any_read_page(const std::vector<std::uint32_t>& sorted, vm::Addr addr, std::uint32_t len) {
  const std::uint64_t first = addr >> vm::kPageShift;
  const std::uint64_t last = (addr + (std::max<std::uint32_t>(len, 1) - 1)) >> vm::kPageShift;
  if (last < first || last - first >= (1u << 20)) return !sorted.empty();
  for (std::uint64_t p = first; p <= last; ++p)
    if (std::binary_search(sorted.begin(), sorted.end(), vm::read_page_bit(p << vm::kPageShift))) return true;
  return false;
}

// (page, identity) of every mapped page, ascending.
std::vector<std::pair<std::uint64_t, const void*>> pages_of(const vm::Machine& m) {
  std::vector<std::pair<std::uint64_t, const void*>> out;
  out.reserve(m.mapped_pages());
  m.memory().for_each_page([&](std::uint64_t page, const void* id) { out.emplace_back(page, id); });
  return out;
}

}  // namespace

bool IndexedStretch::may_execute(vm::Addr pc) const {
  pc = std::min(pc, kTopCode - 1);  // code beyond 2^47 was recorded as [kTopCode - 1, kTopCode)
  // The last range starting at or before pc, if it reaches past pc.
  auto it = std::upper_bound(code.begin(), code.end(), pc,
                             [](vm::Addr a, const std::pair<vm::Addr, vm::Addr>& r) { return a < r.first; });
  return it != code.begin() && pc < std::prev(it)->second;
}

bool IndexedStretch::may_touch(const vm::WatchRange& w) const {
  const bool writes = w.kind != vm::WatchKind::Read;
  const bool reads = w.kind != vm::WatchKind::Write;
  return (writes && (unmapped || any_page(written, w.addr, w.len))) || (reads && (host_calls || any_read_page(read, w.addr, w.len)));
}

StretchRecorder::StretchRecorder() : read_bits_((std::uint64_t{1} << (32 - vm::kPageShift)) / 64, 0) {}

void StretchRecorder::executed(std::span<const vm::ExecutedRun> runs) {
  for (const vm::ExecutedRun& r : runs) {
    // An RV32 run to the end of the 32-bit space reports an end that
    // wrapped (0): it ran up to 4 GiB.
    const vm::Addr end = r.end <= r.start && r.start <= 0xffffffffu ? vm::Addr{1} << 32 : r.end;
    const std::uint64_t key = run_key(r.start, end);
    if (key == last_) continue;  // a tight loop: the same run again, no hashing
    last_ = key;
    std::uint64_t& slot = filter_[(r.start >> 1 ^ end >> 3) & (kFilter - 1)];
    if (slot == key) continue;
    slot = key;
    runs_.insert(key);
  }
}

IndexedStretch StretchRecorder::finish(std::uint64_t from, std::uint64_t to, const vm::Machine& at_from,
                                       const vm::Machine& at_to) {
  IndexedStretch s;
  s.from = from;
  s.to = to;
  std::vector<std::uint64_t> keys(runs_.begin(), runs_.end());
  // By start, then end (no unordered iteration reaches the index).
  std::sort(keys.begin(), keys.end(), [](std::uint64_t a, std::uint64_t b) {
    return key_start(a) != key_start(b) ? key_start(a) < key_start(b) : key_end(a) < key_end(b);
  });
  for (std::uint64_t key : keys) {
    const vm::Addr start = key_start(key), end = key_end(key);
    if (!s.code.empty() && start <= s.code.back().second) {
      s.code.back().second = std::max(s.code.back().second, end);
    } else {
      s.code.emplace_back(start, end);
    }
  }
  for (std::size_t w = 0; w < read_bits_.size(); ++w) {
    for (std::uint64_t bits = read_bits_[w]; bits != 0; bits &= bits - 1) {
      s.read.push_back(static_cast<std::uint32_t>(w * 64 + std::countr_zero(bits)));
    }
  }
  // Written: a page whose object differs at the two ends (copy-on-write
  // cloned it: the guest, a host call or the debugger wrote it), or that was
  // mapped or unmapped in between.
  s.host_calls = host_calls_;
  s.unmapped = at_to.memory().unmap_count() != at_from.memory().unmap_count();
  const auto a = pages_of(at_from), b = pages_of(at_to);
  std::size_t i = 0, k = 0;
  while (i < a.size() || k < b.size()) {
    if (k == b.size() || (i < a.size() && a[i].first < b[k].first)) {
      s.written.push_back(clamp_page(a[i++].first));
    } else if (i == a.size() || b[k].first < a[i].first) {
      s.written.push_back(clamp_page(b[k++].first));
    } else {
      if (a[i].second != b[k].second) s.written.push_back(clamp_page(a[i].first));
      ++i;
      ++k;
    }
  }
  reset();
  return s;
}

void StretchRecorder::reset() {
  runs_.clear();
  last_ = 0;
  std::fill(filter_.begin(), filter_.end(), 0);
  host_calls_ = false;
  std::fill(read_bits_.begin(), read_bits_.end(), 0);
}

bool RecordingIndex::may_hit(const IndexedStretch& s, const std::vector<vm::Addr>& breakpoints,
                             const std::vector<vm::WatchRange>& watches) {
  for (vm::Addr a : breakpoints)
    if (s.may_execute(a)) return true;
  for (const vm::WatchRange& w : watches)
    if (s.may_touch(w)) return true;
  return false;
}

const IndexedStretch* RecordingIndex::find(std::uint64_t k) const {
  auto it = stretches_.find(k);
  return it == stretches_.end() ? nullptr : &it->second;
}

void RecordingIndex::add(IndexedStretch s) {
  const std::uint64_t k = s.from / span_;
  if (auto old = stretches_.find(k); old != stretches_.end()) bytes_ -= old->second.bytes();
  bytes_ += s.bytes();
  stretches_.insert_or_assign(k, std::move(s));
}

void RecordingIndex::truncate(std::uint64_t icount) {
  // Stretch k survives only if it ends at or before icount. A short one
  // (history ended inside it) ending right there is gone too: history grows
  // on from its end now.
  for (auto it = stretches_.begin(); it != stretches_.end();) {
    const IndexedStretch& st = it->second;
    if (st.to > icount || (st.to == icount && st.to - st.from < span_)) {
      bytes_ -= st.bytes();
      it = stretches_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace rvrr::timeline
