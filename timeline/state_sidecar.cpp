// timeline/state_sidecar.cpp - encoding, checking and keeping TRACE.states.
#include "timeline/state_sidecar.hpp"

#include <filesystem>

#include "trace/format.hpp"
#include "trace/framed_file.hpp"
#include "trace/little_endian.hpp"
#include "vm/host_io.hpp"

namespace rvrr::timeline {

namespace {

using trace::put_le;
using Reader = trace::LeReader;

constexpr std::uint64_t kMaxString = 1 << 16;  // paths, the command line, syscall names
constexpr std::uint64_t kMaxFiles = 1 << 16;   // guest file descriptors
constexpr std::uint64_t kUnmapped = 0xff;      // a page's permissions byte: unmapped since
constexpr std::uint64_t kMaxHeader = 1 << 20;  // bytes: far more than kMaxStateBytes' states need

void put_string(std::vector<std::uint8_t>& out, const std::string& s) {
  put_le(out, s.size(), 4);
  out.insert(out.end(), s.begin(), s.end());
}

bool get_string(Reader& r, std::string& s) {
  const std::uint64_t n = r.get(4);
  if (!r.ok || n > kMaxString) return false;
  const std::span<const std::uint8_t> b = r.take(n);
  s.assign(b.begin(), b.end());
  return r.ok;
}

void encode_delta(const vm::MachineDelta& d, std::vector<std::uint8_t>& out) {
  const vm::CpuState& c = d.cpu;
  for (std::uint32_t v : c.regs) put_le(out, v, 4);
  for (std::uint64_t v : c.x64) put_le(out, v, 8);
  put_le(out, c.pc, 8);
  put_le(out, c.icount, 8);
  put_le(out, c.reserved, 1);
  put_le(out, c.reservation, 8);
  for (std::uint32_t v : c.csrs) put_le(out, v, 4);
  for (std::uint64_t v : c.fregs) put_le(out, v, 8);
  put_le(out, c.fcsr, 4);
  put_le(out, c.xlen, 4);

  const vm::SyscallState& s = d.sys;
  for (std::uint64_t v : {s.brk_start, s.brk, s.brk_limit, s.heap_start, s.heap_end, s.stack_top, s.stack_base,
                          s.mmap_top, s.mmap_next, s.epoch_ns, s.memory_limit})
    put_le(out, v, 8);
  put_le(out, s.linker_layout, 1);
  put_le(out, static_cast<std::uint32_t>(s.semihost_errno), 4);
  put_le(out, s.files.size(), 4);
  for (const std::optional<vm::GuestFile>& f : s.files) {
    put_le(out, f.has_value(), 1);
    if (!f) continue;
    put_le(out, static_cast<std::uint64_t>(f->host_handle), 8);
    put_string(out, f->path);
    put_le(out, f->position, 8);
  }
  put_string(out, s.cmdline);
  put_string(out, s.exe);
  put_le(out, s.logged_unknown.size(), 4);
  for (const std::string& name : s.logged_unknown) put_string(out, name);

  put_le(out, d.pages.size(), 4);
  for (const vm::PageChange& p : d.pages) {
    put_le(out, p.page, 8);
    put_le(out, p.mapped ? p.perms : kUnmapped, 1);
    put_le(out, p.mapped && !p.bytes.empty(), 1);
    out.insert(out.end(), p.bytes.begin(), p.bytes.end());
  }
}

// One delta, every field checked; false when ill-formed.
bool decode_delta(Reader& r, vm::MachineDelta& d) {
  vm::CpuState& c = d.cpu;
  for (std::uint32_t& v : c.regs) v = static_cast<std::uint32_t>(r.get(4));
  for (std::uint64_t& v : c.x64) v = r.get(8);
  c.pc = r.get(8);
  c.icount = r.get(8);
  const std::uint64_t reserved = r.get(1);
  c.reserved = reserved != 0;
  c.reservation = r.get(8);
  for (std::uint32_t& v : c.csrs) v = static_cast<std::uint32_t>(r.get(4));
  for (std::uint64_t& v : c.fregs) v = r.get(8);
  c.fcsr = static_cast<std::uint32_t>(r.get(4));
  c.xlen = static_cast<std::uint32_t>(r.get(4));
  if (!r.ok || reserved > 1 || (c.xlen != 32 && c.xlen != 64) || c.regs[0] != 0 || c.x64[0] != 0) return false;

  vm::SyscallState& s = d.sys;
  for (std::uint64_t* v : {&s.brk_start, &s.brk, &s.brk_limit, &s.heap_start, &s.heap_end, &s.stack_top,
                           &s.stack_base, &s.mmap_top, &s.mmap_next, &s.epoch_ns, &s.memory_limit})
    *v = r.get(8);
  const std::uint64_t linker = r.get(1);
  s.linker_layout = linker != 0;
  s.semihost_errno = static_cast<std::int32_t>(static_cast<std::uint32_t>(r.get(4)));
  const std::uint64_t files = r.get(4);
  if (!r.ok || linker > 1 || files > kMaxFiles || files > r.left()) return false;
  s.files.resize(files);
  for (std::optional<vm::GuestFile>& f : s.files) {
    const std::uint64_t present = r.get(1);
    if (!r.ok || present > 1) return false;
    if (present == 0) continue;
    f.emplace();
    f->host_handle = static_cast<std::int64_t>(r.get(8));
    if (!get_string(r, f->path)) return false;
    f->position = r.get(8);
  }
  if (!get_string(r, s.cmdline) || !get_string(r, s.exe)) return false;
  const std::uint64_t unknown = r.get(4);
  if (!r.ok || unknown > r.left() / 4) return false;
  s.logged_unknown.resize(unknown);
  for (std::string& name : s.logged_unknown)
    if (!get_string(r, name)) return false;

  const std::uint64_t pages = r.get(4);
  if (!r.ok || pages > r.left() / 10) return false;  // 10 bytes: the smallest page entry
  d.pages.resize(pages);
  for (std::size_t i = 0; i < d.pages.size(); ++i) {
    vm::PageChange& p = d.pages[i];
    p.page = r.get(8);
    const std::uint64_t perms = r.get(1);
    const std::uint64_t has_bytes = r.get(1);
    p.mapped = perms != kUnmapped;
    p.perms = p.mapped ? static_cast<std::uint8_t>(perms) : 0;
    if (!r.ok || (p.mapped && perms > 7) || has_bytes > 1 || (has_bytes == 1 && !p.mapped)) return false;
    if (p.page >= (std::uint64_t{1} << (64 - vm::kPageShift))) return false;
    if (i > 0 && p.page <= d.pages[i - 1].page) return false;
    if (has_bytes == 1) {
      const std::span<const std::uint8_t> b = r.take(vm::kPageSize);
      if (!r.ok) return false;
      p.bytes.assign(b.begin(), b.end());
    }
  }
  return true;
}

}  // namespace

std::vector<std::uint8_t> encode_state(const vm::MachineDelta& delta) {
  std::vector<std::uint8_t> out;
  encode_delta(delta, out);
  return out;
}

std::optional<std::vector<std::uint8_t>> encode_state_within(const vm::Machine& base, const vm::Machine& now,
                                                            std::uint64_t kept) {
  if (kept >= kMaxStateBytes) return std::nullopt;
  // Each page costs its 4 KiB: no more than fit are copied.
  const std::optional<vm::MachineDelta> delta = vm::delta_between(base, now, (kMaxStateBytes - kept) / vm::kPageSize);
  if (!delta) return std::nullopt;
  std::vector<std::uint8_t> one = encode_state(*delta);
  if (kept + one.size() > kMaxStateBytes) return std::nullopt;
  return one;
}

std::optional<vm::MachineDelta> decode_state(std::span<const std::uint8_t> bytes, std::uint64_t icount) {
  Reader r{bytes};
  vm::MachineDelta d;
  if (!decode_delta(r, d) || r.left() != 0 || d.cpu.icount != icount) return std::nullopt;
  return d;
}

namespace {
constexpr std::string_view kMagic(kStateSidecarMagic, sizeof kStateSidecarMagic - 1);
}

std::vector<std::uint8_t> encode_state_header(const StateSidecarKey& key,
                                              const std::vector<std::vector<std::uint8_t>>& states) {
  std::vector<std::uint8_t> p(key.trace_sha256.begin(), key.trace_sha256.end());
  const std::string version = key.rvrr_version.substr(0, 0xffff);
  put_le(p, version.size(), 2);
  p.insert(p.end(), version.begin(), version.end());
  put_le(p, key.interval, 8);
  put_le(p, states.size(), 4);
  for (const std::vector<std::uint8_t>& one : states) {
    put_le(p, one.size(), 4);
    put_le(p, trace::crc32(one), 4);
  }
  return trace::frame_file(kMagic, kStateSidecarVersion, p);
}

std::vector<std::uint8_t> encode_state_sidecar(const StateSidecarKey& key,
                                               const std::vector<std::vector<std::uint8_t>>& states) {
  std::vector<std::uint8_t> out = encode_state_header(key, states);
  for (const std::vector<std::uint8_t>& one : states) out.insert(out.end(), one.begin(), one.end());
  return out;
}

std::variant<std::vector<StateEntry>, std::string> decode_state_header(std::span<const std::uint8_t> bytes,
                                                                       const StateSidecarKey& key) {
  auto framed = trace::unframe_file(bytes, kMagic, kStateSidecarVersion, "state file", true);
  if (auto* why = std::get_if<std::string>(&framed)) return *why;
  Reader r{std::get<std::span<const std::uint8_t>>(framed)};
  trace::Sha256Digest hash{};
  for (auto& byte : hash) byte = static_cast<std::uint8_t>(r.get(1));
  const std::span<const std::uint8_t> version = r.take(r.get(2));
  const std::uint64_t interval = r.get(8);
  const std::uint64_t count = r.get(4);
  if (!r.ok) return std::string("corrupt: truncated");
  if (hash != key.trace_sha256) return std::string("stale: written for another trace");
  if (std::string(version.begin(), version.end()) != key.rvrr_version) return std::string("stale: written by another rvrr");
  if (interval != key.interval) return "stale: states every " + std::to_string(interval) + " instructions";
  if (count != r.left() / 8 || r.left() % 8 != 0) return std::string("corrupt: ill-formed header");
  std::vector<StateEntry> out(count);
  std::uint64_t offset = 0;
  for (StateEntry& e : out) {
    e.offset = offset;
    e.length = static_cast<std::uint32_t>(r.get(4));
    e.crc = static_cast<std::uint32_t>(r.get(4));
    offset += e.length;
  }
  return out;
}

std::variant<std::vector<std::vector<std::uint8_t>>, std::string> decode_state_sidecar(
    std::span<const std::uint8_t> bytes, const StateSidecarKey& key) {
  auto header = decode_state_header(bytes, key);
  if (auto* why = std::get_if<std::string>(&header)) return *why;
  const std::uint64_t start = *trace::framed_size(bytes, kMagic);  // the header decoded: its size is known
  Reader r{bytes.subspan(start)};
  std::vector<std::vector<std::uint8_t>> out;
  for (const StateEntry& e : std::get<std::vector<StateEntry>>(header)) {
    const std::span<const std::uint8_t> b = r.take(e.length);
    if (!r.ok) return std::string("corrupt: truncated");
    if (trace::crc32(b) != e.crc) return std::string("corrupt: checksum mismatch");
    out.emplace_back(b.begin(), b.end());
  }
  if (r.left() != 0) return std::string("corrupt: bytes after the last state");
  return out;
}

std::optional<std::string> write_state_sidecar(const std::string& path, const StateSidecarKey& key,
                                               const std::vector<std::vector<std::uint8_t>>& states) {
  const std::vector<std::uint8_t> header = encode_state_header(key, states);
  std::vector<std::span<const std::uint8_t>> pieces{header};
  for (const std::vector<std::uint8_t>& one : states) pieces.emplace_back(one);
  return trace::write_file_atomically(path, pieces);
}

std::optional<std::string> save_states_for_trace(const std::string& trace_path, const trace::Sha256Digest& trace_sha256,
                                                 std::uint64_t interval,
                                                 const std::vector<std::vector<std::uint8_t>>& states) {
  if (states.empty() || trace::sidecar_caches_off()) return std::nullopt;
  return write_state_sidecar(StoredStates::path_for(trace_path),
                             StateSidecarKey{trace_sha256, trace::rvrr_version_string(), interval}, states);
}

StoredStates::StoredStates(std::string trace_path, const trace::Sha256Digest& trace_sha256, std::uint64_t interval)
    : key_{trace_sha256, trace::rvrr_version_string(), interval} {
  if (trace_path.empty() || trace::sidecar_caches_off()) {
    status_ = "disabled";
    return;
  }
  path_ = path_for(trace_path);
  file_ = std::fopen(path_.c_str(), "rb");
  if (file_ == nullptr) {
    status_ = "none";
    return;
  }
  // The header: its frame's prefix says how long it is.
  std::vector<std::uint8_t> header(kMagic.size() + 8);
  std::optional<std::uint64_t> size;
  if (std::fread(header.data(), 1, header.size(), file_) == header.size()) size = trace::framed_size(header, kMagic);
  std::variant<std::vector<StateEntry>, std::string> entries = std::string("corrupt: truncated");
  if (size && *size <= kMaxHeader) {
    const std::size_t read = header.size();
    header.resize(*size);
    if (std::fread(header.data() + read, 1, header.size() - read, file_) == header.size() - read)
      entries = decode_state_header(header, key_);
  }
  if (auto* why = std::get_if<std::string>(&entries)) {
    status_ = *why;
    changed_ = true;  // replace it with what this run finds
    std::fclose(file_);
    file_ = nullptr;
    return;
  }
  states_at_ = header.size();
  // Only the states the file holds, within the budget (a damaged length
  // must not make load() allocate more).
  std::error_code ec;
  const std::uint64_t file_size = std::filesystem::file_size(path_, ec);
  for (const StateEntry& e : std::get<std::vector<StateEntry>>(entries)) {
    if (ec || bytes_ + e.length > kMaxStateBytes || states_at_ + e.offset + e.length > file_size) {
      changed_ = true;  // rewrite it with what this run finds
      break;
    }
    states_.push_back(State{e, {}});
    bytes_ += e.length;
  }
  status_ = "read the header of " + std::to_string(states_.size()) + " states";
}

StoredStates::~StoredStates() {
  if (file_ != nullptr) std::fclose(file_);
}

std::span<const std::uint8_t> StoredStates::load(std::size_t k) {
  const State& s = states_[k];
  if (!s.bytes.empty()) return s.bytes;
  if (file_ == nullptr || s.where.length == 0) return {};
  // Into one buffer for all (grown, never shrunk): a fresh one per state
  // cost a zeroing and a page fault per page on every interval.
  if (read_.size() < s.where.length) read_.resize(s.where.length);
  const std::span<const std::uint8_t> bytes(read_.data(), s.where.length);
  if (std::fseek(file_, static_cast<long>(states_at_ + s.where.offset), SEEK_SET) != 0 ||
      std::fread(read_.data(), 1, bytes.size(), file_) != bytes.size() || trace::crc32(bytes) != s.where.crc)
    return {};
  return bytes;
}

const vm::MachineDelta* StoredStates::at(std::size_t k) {
  if (k >= states_.size()) return nullptr;
  decoded_.reset();
  if (const std::span<const std::uint8_t> bytes = load(k); !bytes.empty())
    decoded_ = decode_state(bytes, (k + 1) * key_.interval);
  if (!decoded_) {
    drop_from(k);
    return nullptr;
  }
  ++used_;
  return &*decoded_;
}

void StoredStates::add(std::size_t k, const vm::Machine& base, const vm::Machine& now) {
  if (!wants(k)) return;
  std::optional<std::vector<std::uint8_t>> one = encode_state_within(base, now, bytes_);
  if (!one) {
    full_ = true;
    return;
  }
  bytes_ += one->size();
  states_.push_back(State{StateEntry{0, static_cast<std::uint32_t>(one->size()), 0}, std::move(*one)});
  changed_ = true;
}

void StoredStates::drop_from(std::size_t k) {
  if (k >= states_.size()) return;
  states_.resize(k);
  full_ = false;
  bytes_ = 0;
  for (const State& s : states_) bytes_ += s.where.length;
  changed_ = true;
}

std::optional<std::string> StoredStates::save() {
  if (path_.empty() || !changed_) return std::nullopt;
  changed_ = false;
  std::vector<std::vector<std::uint8_t>> all;
  for (std::size_t k = 0; k < states_.size(); ++k) {
    const std::span<const std::uint8_t> bytes = load(k);
    if (bytes.empty()) break;  // unreadable now: keep the ones before it
    all.push_back(states_[k].bytes.empty() ? std::vector<std::uint8_t>(bytes.begin(), bytes.end())
                                           : std::move(states_[k].bytes));
  }
  std::optional<std::string> error = write_state_sidecar(path_, key_, all);
  for (std::size_t k = 0; k < all.size(); ++k) states_[k].bytes = std::move(all[k]);
  return error;
}

}  // namespace rvrr::timeline
