// timeline/recording_index.hpp - what each stretch of history did, known without re-running it.
//
// History is cut into fixed stretches of `span` instructions: stretch k is
// [k*span, (k+1)*span). For a stretch executed once with a trace (see
// vm/exec_trace.hpp) the index keeps which code ran (the byte ranges of
// guest code its instructions covered, merged), which guest pages were written
// (their copy-on-write page object, or their mapping, differs between the
// two ends: host-call and debugger writes included) and which pages guest
// loads read. History behind the frontier never changes except by
// truncation, so an entry stays true whatever checkpoints are thinned away
// later; a question about a breakpoint or watchpoint over a stretch that
// "cannot hit" is answered without running it.
//
// The answers are conservative: "may hit" can be wrong (a watched word on a
// page written elsewhere; a breakpoint inside a 32-bit instruction that ran),
// "cannot hit" never is.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <unordered_set>
#include <utility>
#include <vector>

#include "vm/debug_points.hpp"
#include "vm/exec_trace.hpp"
#include "vm/machine.hpp"

namespace rvrr::timeline {

struct IndexedStretch {
  std::uint64_t from = 0, to = 0;      // [from, to)
  // Disjoint [start, end) byte ranges of executed code, ascending: every
  // instruction that ran lies inside one; adjacent ranges are merged.
  std::vector<std::pair<vm::Addr, vm::Addr>> code;
  std::vector<std::uint32_t> written;  // ascending page numbers written (content or mapping changed)
  std::vector<std::uint32_t> read;     // ascending page numbers a guest load read
  bool unmapped = false;               // pages were unmapped in between: any page may have been written
  bool host_calls = false;             // host calls ran: they may have read any page

  // Could an instruction at `pc` have executed in this stretch? O(log ranges).
  bool may_execute(vm::Addr pc) const;
  // Could an access of `w`'s kind have touched `w` here? O(log pages).
  bool may_touch(const vm::WatchRange& w) const;
  std::size_t bytes() const { return sizeof(*this) + 8 * code.size() + 4 * (written.size() + read.size()); }
};

// Collects one stretch while it runs (a trace sink), then says what it did.
class StretchRecorder : public vm::ExecTraceSink {
 public:
  StretchRecorder();
  void executed(std::span<const vm::ExecutedRun> runs) override;
  std::uint64_t* read_page_bits() override { return read_bits_.data(); }
  void host_call(vm::Addr) override { host_calls_ = true; }
  // Which code ran and which pages were read is all the index keeps: the
  // run may translate (supersets only make a stretch "may hit" more often).
  bool coverage_only() const override { return true; }
  // The stretch [from, to), given the states at both ends (for the written
  // pages). Leaves the recorder empty, ready for another stretch.
  IndexedStretch finish(std::uint64_t from, std::uint64_t to, const vm::Machine& at_from, const vm::Machine& at_to);
  void reset();  // forget a stretch that was not run to its end

 private:
  // Distinct executed runs as start | length << 47 (all 64 bits of an RV64
  // pc; recording_index.cpp). A hot loop repeats the same
  // few runs millions of times: a direct-mapped filter in front of the set
  // turns nearly all of them into one compare.
  static constexpr std::size_t kFilter = 4096;
  std::vector<std::uint64_t> filter_ = std::vector<std::uint64_t>(kFilter, 0);
  std::unordered_set<std::uint64_t> runs_;  // drained in sorted order
  std::uint64_t last_ = 0;                  // the run seen last (0: none; end > start, so never a run)
  std::vector<std::uint64_t> read_bits_;  // one bit per guest page
  bool host_calls_ = false;
};

class RecordingIndex {
 public:
  explicit RecordingIndex(std::uint64_t span) : span_(span) {}
  std::uint64_t span() const { return span_; }
  // Stretch k ([k*span, (k+1)*span)), if indexed. O(log stretches).
  const IndexedStretch* find(std::uint64_t k) const;
  // s.from must be k*span and s.to (k+1)*span, or less where history ended.
  void add(IndexedStretch s);
  // History at and after `icount` was discarded (or may grow on from there):
  // forget the stretches it touched.
  void truncate(std::uint64_t icount);
  std::size_t stretches() const { return stretches_.size(); }
  std::uint64_t bytes() const { return bytes_; }
  // Every stretch, ascending.
  template <class F>
  void for_each(F&& f) const {
    for (const auto& [k, s] : stretches_) f(s);
  }
  // Could the stretch hit any of these breakpoints or watchpoints?
  static bool may_hit(const IndexedStretch& s, const std::vector<vm::Addr>& breakpoints,
                      const std::vector<vm::WatchRange>& watches);

 private:
  std::uint64_t span_;
  std::map<std::uint64_t, IndexedStretch> stretches_;  // by k
  std::uint64_t bytes_ = 0;
};

}  // namespace rvrr::timeline
