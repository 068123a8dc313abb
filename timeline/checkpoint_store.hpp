// timeline/checkpoint_store.hpp - saved machines along one history, under a memory budget.
//
// A checkpoint is a copy-on-write copy of a vm::Machine at an instruction
// count. The store keeps at most one per count, ordered by count, and charges
// them by the bytes of guest pages only checkpoints hold: pages are counted
// once however many checkpoints share them, and pages the current machine
// also holds are free (they would exist anyway). A rough page-table overhead
// per checkpoint is added so thousands of tiny checkpoints are not free.
//
// Thinning (rr's policy): dense near the current position, exponentially
// sparser with distance. At most kPerBucket checkpoints per power-of-two
// distance bucket on each side of `now`, and while over budget the one whose
// removal leaves the smallest gap relative to its distance goes first. The
// checkpoint at icount 0 and pinned checkpoints are never dropped.
//
// Determinism: page identities are host pointers, but they are only counted,
// never ordered or fed back into guest state.
#pragma once
#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "vm/machine.hpp"

namespace rvrr::timeline {

struct Checkpoint {
  std::uint64_t id = 0;
  std::uint64_t icount = 0;
  bool pinned = false;
  vm::Machine machine;
  std::uint64_t overhead = 0;  // page-table bytes charged for this checkpoint
};

class CheckpointStore {
 public:
  // Up to this many checkpoints per power-of-two distance bucket: the gap
  // between checkpoints at distance d from now is then about d/8, so a seek
  // there re-executes at most ~1/8 of the distance.
  static constexpr std::size_t kPerBucket = 8;
  // Hard cap on the count, whatever the bytes (each costs a page table).
  static constexpr std::size_t kMaxCount = 1024;
  // Page-table bytes charged per checkpoint: the copied first level
  // (1024 shared pointers) plus ~16 bytes per mapped page for the second
  // levels it ends up owning. An estimate, stated as such in stats.
  static constexpr std::uint64_t kTableBytes = 16 * 1024;
  static constexpr std::uint64_t kBytesPerMappedPage = 16;

  explicit CheckpointStore(std::uint64_t budget_bytes);
  CheckpointStore(const CheckpointStore&) = delete;
  CheckpointStore& operator=(const CheckpointStore&) = delete;

  // Saves a copy of `machine` at its icount. If a checkpoint exists there
  // already it is kept (and becomes pinned if `pinned`); returns its id.
  // Cost: O(mapped pages). Does not thin: call enforce().
  std::uint64_t add(const vm::Machine& machine, bool pinned);
  // Replaces the machine of the checkpoint at `machine.icount()` (after a
  // debugger write changed the state there). No-op if none is there.
  void replace_machine(const vm::Machine& machine);

  const Checkpoint* at(std::uint64_t icount) const;
  const Checkpoint* at_or_before(std::uint64_t icount) const;
  const Checkpoint* before(std::uint64_t icount) const;  // strictly before
  const Checkpoint* after(std::uint64_t icount) const;   // strictly after
  const Checkpoint* find_id(std::uint64_t id) const;
  std::vector<const Checkpoint*> list() const;           // ascending icount

  // Drops every checkpoint (pinned too) with icount > `icount`: that future is gone.
  void drop_after(std::uint64_t icount);

  // Thins and enforces the budget relative to position `now`; `current`'s
  // pages are not charged. Updates bytes() and peak_bytes().
  // Cost: O(pages of current + checkpoints^2) (the count is small).
  void enforce(std::uint64_t now, const vm::Machine& current);
  // Bytes charged now (recomputed; const). Cost: O(pages of current).
  std::uint64_t measure(const vm::Machine& current) const;

  std::size_t size() const { return by_icount_.size(); }
  std::uint64_t budget() const { return budget_; }
  // As of the last enforce(); when far under budget this is an upper bound
  // (pages shared with the current machine counted too) to skip the exact count.
  std::uint64_t bytes() const { return bytes_; }
  std::uint64_t peak_bytes() const { return peak_; }    // max over enforce() results

 private:
  // Never the start of history, a pinned one, or the newest: with the newest
  // kept, a continue from far in the past to the end of history (and on into
  // live execution) re-executes at most one checkpoint interval, however
  // thin the checkpoints far from now have become.
  bool evictable(const Checkpoint& c) const {
    return !c.pinned && c.icount != 0 && c.icount != by_icount_.rbegin()->first;
  }
  void remove(std::map<std::uint64_t, Checkpoint>::iterator it);
  void count_pages(const vm::Machine& machine, int delta);
  void thin_buckets(std::uint64_t now);
  // The evictable checkpoint whose removal hurts least (smallest gap / distance).
  std::map<std::uint64_t, Checkpoint>::iterator cheapest_victim(std::uint64_t now);

  std::uint64_t budget_;
  std::map<std::uint64_t, Checkpoint> by_icount_;
  std::unordered_map<const void*, std::uint32_t> page_refs_;  // page identity -> checkpoints holding it
  std::uint64_t overhead_total_ = 0;
  std::uint64_t next_id_ = 1;
  std::uint64_t bytes_ = 0;
  std::uint64_t peak_ = 0;
};

}  // namespace rvrr::timeline
