// timeline/state_sidecar.hpp - machine states along a trace, kept next to it (TRACE.states).
//
// A whole-recording question split over threads (query/interval_replay.hpp)
// needs the machine at every interval boundary, and executing up to each
// one costs a whole replay before the last thread can start: with that pass
// a question never takes less than one replay, however many threads share
// it. So the first split question on a trace keeps the states it reaches,
// each as its difference from the one before (vm/machine_delta.hpp: the CPU
// and system-call state and the pages written since), and later questions
// rebuild them from this file in milliseconds: every thread starts at once.
//
// Layout: a header framed as trace/framed_file.hpp (magic "RVRRSTATES",
// version 1), then the states' bytes, one after the other:
//
//   header:  u8[32] SHA-256 of the whole trace file
//            u16 length + bytes: the rvrr version that wrote it
//            u64 interval (instructions between states: state k is at (k+1) * interval)
//            u32 count, per state: u32 length, u32 crc32 of its bytes
//   state:   the CPU state, the system-call state (state_sidecar.cpp),
//            u32 page count, per page (ascending): u64 page number,
//            u8 permissions (0xff: unmapped since), u8 1 + 4096 bytes, or 0 (all zeros)
//
// Only the header is read up front; a state is read, checked and decoded
// when the pass reaches it (on the thread that cuts, while the others
// run), so a question does not wait for the whole file.
//
// Never trusted blindly: the file is used only if its frame, checksum, trace
// hash, rvrr version and interval match; a state whose checksum or fields
// are wrong, or that does not rebuild to its boundary, is dropped with the
// ones after it (the caller executes from the last good one). At most
// kMaxStateBytes of states are kept (later boundaries are executed again
// each time). RVRR_NO_CACHE=1 turns the file off, as for the answer cache
// (query/answer_cache.hpp).
#pragma once
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "trace/checksums.hpp"
#include "vm/machine_delta.hpp"

namespace rvrr::timeline {

inline constexpr char kStateSidecarMagic[] = "RVRRSTATES";  // 10 bytes, no terminator on disk
inline constexpr std::uint32_t kStateSidecarVersion = 1;
inline constexpr std::uint64_t kMaxStateBytes = std::uint64_t{64} << 20;

// What a file must describe to be used.
struct StateSidecarKey {
  trace::Sha256Digest trace_sha256{};
  std::string rvrr_version;
  std::uint64_t interval = 0;
};

// The state `now` as its difference from `base` (an earlier state of the
// run, vm::delta_between), encoded, if it fits in kMaxStateBytes with
// `kept` bytes of states before it; else nullopt (a later state would
// need this one's pages: the chain ends).
std::optional<std::vector<std::uint8_t>> encode_state_within(const vm::Machine& base, const vm::Machine& now,
                                                            std::uint64_t kept);
// One state's bytes, and back (nullopt: ill-formed, or not at `icount`).
std::vector<std::uint8_t> encode_state(const vm::MachineDelta& delta);
std::optional<vm::MachineDelta> decode_state(std::span<const std::uint8_t> bytes, std::uint64_t icount);

// The file for `states` (each encode_state's bytes): its header, which the states follow.
std::vector<std::uint8_t> encode_state_header(const StateSidecarKey& key,
                                              const std::vector<std::vector<std::uint8_t>>& states);
std::vector<std::uint8_t> encode_state_sidecar(const StateSidecarKey& key,
                                               const std::vector<std::vector<std::uint8_t>>& states);

// Where each state lies after the header, and its checksum.
struct StateEntry {
  std::uint64_t offset = 0;  // from the end of the header
  std::uint32_t length = 0;
  std::uint32_t crc = 0;
};
// The entries of a header that matches `key` (`bytes` starts with the
// header; the states may follow), or why it is not used.
std::variant<std::vector<StateEntry>, std::string> decode_state_header(std::span<const std::uint8_t> bytes,
                                                                       const StateSidecarKey& key);
// The states of a whole file that matches `key`, still encoded (each
// state's fields are decode_state's to check), or why it is not used.
// Never reads out of bounds, whatever the bytes.
std::variant<std::vector<std::vector<std::uint8_t>>, std::string> decode_state_sidecar(
    std::span<const std::uint8_t> bytes, const StateSidecarKey& key);

// Writes the file for `states` at `path` (atomically); the error, if writing failed.
std::optional<std::string> write_state_sidecar(const std::string& path, const StateSidecarKey& key,
                                               const std::vector<std::vector<std::uint8_t>>& states);
// The TRACE.states of a finished trace whose file hashes to `trace_sha256`
// (`rvrr record` saves what its indexer kept, IndexBuilder::take_states):
// nothing to do for no states, or with RVRR_NO_CACHE=1.
std::optional<std::string> save_states_for_trace(const std::string& trace_path, const trace::Sha256Digest& trace_sha256,
                                                 std::uint64_t interval,
                                                 const std::vector<std::vector<std::uint8_t>>& states);

// The states of one trace at one interval: those in its file (read when
// asked for), and those added since (written back by save()). Used by one thread.
class StoredStates {
 public:
  // Reads TRACE.states' header when it matches; an empty trace_path keeps nothing on disk.
  StoredStates(std::string trace_path, const trace::Sha256Digest& trace_sha256, std::uint64_t interval);
  ~StoredStates();
  StoredStates(const StoredStates&) = delete;
  StoredStates& operator=(const StoredStates&) = delete;
  std::uint64_t interval() const { return key_.interval; }
  std::size_t count() const { return states_.size(); }
  // The difference from state k-1 (the trace's start for k = 0) to state
  // k, decoded (valid until the next call); null when not kept. A state
  // that cannot be read or decoded is dropped with the ones after it.
  const vm::MachineDelta* at(std::size_t k);
  // Would add(k) keep state k (the next one, with a file to write and budget left)?
  bool wants(std::size_t k) const { return !path_.empty() && !full_ && k == states_.size(); }
  // Keeps state k, the next one (k == count()), as `now`'s difference
  // from `base` (the state k-1), unless the budget is spent.
  void add(std::size_t k, const vm::Machine& base, const vm::Machine& now);
  // State k did not rebuild (a file from a build that made other states): it and the later ones go.
  void drop_from(std::size_t k);
  // Writes the file when states were added or dropped; the error, if writing failed.
  std::optional<std::string> save();
  // States at() gave (decoded and checked), for tests and logs.
  std::size_t used() const { return used_; }
  // "read the header of N states", "none", or why the file was not used.
  const std::string& status() const { return status_; }
  static std::string path_for(const std::string& trace_path) { return trace_path + ".states"; }

 private:
  struct State {
    StateEntry where;                // in the file (when bytes is empty)
    std::vector<std::uint8_t> bytes;  // encoded, once added (or after save())
  };
  // State k's bytes, read from the file into read_ if needed (valid until
  // the next call); empty when unreadable or corrupt.
  std::span<const std::uint8_t> load(std::size_t k);
  std::vector<std::uint8_t> read_;
  std::string path_;
  StateSidecarKey key_;
  std::FILE* file_ = nullptr;    // the file read, while its states may be needed
  std::uint64_t states_at_ = 0;  // where its states start
  std::vector<State> states_;
  std::optional<vm::MachineDelta> decoded_;  // at()'s answer
  std::uint64_t bytes_ = 0;
  std::size_t used_ = 0;
  bool changed_ = false;
  bool full_ = false;
  std::string status_;
};

}  // namespace rvrr::timeline
