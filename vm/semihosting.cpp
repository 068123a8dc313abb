// vm/semihosting.cpp - RISC-V semihosting (the ARM semihosting v2 calls) as
// picolibc --oslib=semihost uses them.
//
// Op in a0, parameter block address in a1 (RV32: 32-bit fields), result in a0.
// Handles share the guest fd table with the Linux ABI. A bad parameter block
// yields a0 = -1 with ERRNO = EFAULT, never a host crash.
#include <algorithm>

#include "vm/guest_access.hpp"
#include "vm/syscall_call.hpp"
#include "vm/syscalls.hpp"

namespace rvrr::vm {

namespace {

using namespace guest;
using namespace syscall;

enum Op : std::uint32_t {
  kOpen = 0x01, kClose = 0x02, kWriteC = 0x03, kWrite0 = 0x04, kWrite = 0x05, kRead = 0x06, kReadC = 0x07,
  kIsError = 0x08, kIsTty = 0x09, kSeek = 0x0a, kFlen = 0x0c, kTmpnam = 0x0d, kRemove = 0x0e, kRename = 0x0f,
  kClock = 0x10, kTime = 0x11, kSystem = 0x12, kErrno = 0x13, kGetCmdline = 0x15, kHeapInfo = 0x16,
  kExit = 0x18, kExitExtended = 0x20, kElapsed = 0x30, kTickFreq = 0x31,
};

constexpr std::uint32_t kAdpStoppedApplicationExit = 0x20026;
// ":semihosting-features": magic "SHFB" then one byte of feature bits:
// bit 0 SH_EXT_EXIT_EXTENDED (real exit codes), bit 1 SH_EXT_STDOUT_STDERR
// (":tt" opened for append is stderr).
constexpr std::uint8_t kFeatures[] = {'S', 'H', 'F', 'B', 0x03};
constexpr std::int64_t kFeaturesHandle = -2;  // GuestFile::host_handle of the virtual features file

struct Call : CallBase {
  // RV64 (ctx.regs64 set): registers and parameter-block fields are 8 bytes.
  bool rv64() const { return ctx.regs64 != nullptr; }
  std::uint64_t reg(int n) const { return rv64() ? ctx.regs64[n] : ctx.regs[n]; }
  void set_reg(int n, std::uint64_t v) {
    if (rv64()) ctx.regs64[n] = v;
    else ctx.regs[n] = static_cast<std::uint32_t>(v);
  }
  std::uint32_t word() const { return rv64() ? 8 : 4; }
  // a1: the parameter block (or the argument itself).
  Addr a1() const { return reg(11); }
  // Field i of the parameter block, raw (sign matters for ISERROR).
  std::optional<std::uint64_t> field64(int i) {
    if (!rv64()) return read_u32(ctx.memory, a1() + 4u * i);
    auto b = read(ctx.memory, a1() + 8u * i, 8);
    if (!b) return std::nullopt;
    std::uint64_t v = 0;
    for (int k = 7; k >= 0; --k) v = (v << 8) | (*b)[k];
    return v;
  }
  // Field i as a 32-bit value (pointers, lengths, handles); on RV64 a value
  // that does not fit reads as unreadable (-> EFAULT).
  // Field i as a pointer: all 64 bits on RV64.
  std::optional<Addr> ptr(int i) { return field64(i); }
  std::optional<std::uint32_t> field(int i) {
    auto v = field64(i);
    if (!v || *v >= (1ull << 32)) return std::nullopt;
    return static_cast<std::uint32_t>(*v);
  }
};

Result fail(Call& c, std::int32_t e) {
  c.st().semihost_errno = e;
  return Result{-1, std::nullopt};
}
Result exited(std::int32_t code) {
  return stop(StopInfo::exited(code));
}

Result sh_open(Call& c) {
  auto name_ptr = c.ptr(0);
  auto mode = c.field(1), len = c.field(2);
  if (!name_ptr || !mode || !len) return fail(c, kEFAULT);
  if (*len >= kPathMax) return fail(c, kENAMETOOLONG);
  if (*mode > 11) return fail(c, kEINVAL);
  auto bytes = read(c.mem(), *name_ptr, *len);
  if (!bytes) return fail(c, kEFAULT);
  const std::string name(bytes->begin(), bytes->end());
  const bool read_only = *mode <= 1;  // "r", "rb"
  std::int64_t handle;
  if (name == ":tt") {
    handle = *mode <= 3 ? 0 : *mode <= 7 ? 1 : 2;  // r -> stdin, w -> stdout, a -> stderr
  } else if (name == ":semihosting-features") {
    if (!read_only) return fail(c, kEACCES);
    handle = kFeaturesHandle;
  } else {
    if (!read_only) return fail(c, kEACCES);  // host files are read-only for the guest
    if (lowest_free_fd(c.st()) < 0) return fail(c, kEMFILE);
    HostAnswer r = ask_host_open(c.ctx, name, 0 /* O_RDONLY */);
    if (!r) return r.refused();
    if (r->value < 0) return fail(c, static_cast<std::int32_t>(-r->value));
    handle = r->value;
  }
  const int fd = lowest_free_fd(c.st());
  if (fd < 0) return fail(c, kEMFILE);
  c.st().files[fd] = GuestFile{handle, name, 0};
  return ok(fd);
}

Result sh_close(Call& c) {
  auto h = c.field(0);
  if (!h) return fail(c, kEFAULT);
  GuestFile* f = file(c.st(), *h);
  if (!f) return fail(c, kEBADF);
  const std::int64_t handle = f->host_handle;
  c.st().files[*h].reset();
  if (handle <= 2) return ok(0);  // stdio or virtual: nothing on the host
  HostAnswer r = ask_host(c.ctx, HostOp::Close, handle);
  if (!r) return r.refused();
  return r->value < 0 ? fail(c, static_cast<std::int32_t>(-r->value)) : ok(0);
}

Result output(Call& c, int fd, std::span<const std::uint8_t> bytes) {
  if (!bytes.empty()) c.ctx.env.output(c.ctx.icount, fd, bytes);
  return ok(0);
}

Result sh_writec(Call& c) {
  auto b = read(c.mem(), c.a1(), 1);
  if (!b) return fail(c, kEFAULT);
  return output(c, 1, *b);
}

Result sh_write0(Call& c) {
  bool too_long = false;
  auto s = read_cstring(c.mem(), c.a1(), kMaxIo, &too_long);
  if (!s) return fail(c, too_long ? kEINVAL : kEFAULT);
  return output(c, 1, std::span(reinterpret_cast<const std::uint8_t*>(s->data()), s->size()));
}

Result sh_write(Call& c) {
  auto h = c.field(0), len = c.field(2);
  auto ptr = c.ptr(1);
  if (!h || !ptr || !len) return fail(c, kEFAULT);
  GuestFile* f = file(c.st(), *h);
  if (!f || (f->host_handle != 1 && f->host_handle != 2)) {
    c.st().semihost_errno = kEBADF;
    return ok(*len);  // nothing written
  }
  const std::uint32_t take = std::min(*len, kMaxIo);
  auto bytes = read(c.mem(), *ptr, take);
  if (!bytes) {
    c.st().semihost_errno = kEFAULT;
    return ok(*len);
  }
  output(c, static_cast<int>(f->host_handle), *bytes);
  return ok(*len - take);
}

Result sh_read(Call& c) {
  auto h = c.field(0), len = c.field(2);
  auto ptr = c.ptr(1);
  if (!h || !ptr || !len) return fail(c, kEFAULT);
  GuestFile* f = file(c.st(), *h);
  if (!f || f->host_handle == 1 || f->host_handle == 2) return fail(c, kEBADF);
  const std::uint32_t want = std::min(*len, kMaxIo);
  if (!accessible(c.mem(), *ptr, want, true)) return fail(c, kEFAULT);
  if (f->host_handle == kFeaturesHandle) {
    const std::uint64_t pos = std::min<std::uint64_t>(f->position, sizeof kFeatures);
    const std::uint32_t n = static_cast<std::uint32_t>(std::min<std::uint64_t>(want, sizeof kFeatures - pos));
    write(c.mem(), *ptr, std::span(kFeatures + pos, n));
    f->position = pos + n;
    return ok(*len - n);
  }
  if (want == 0) return ok(*len);
  HostAnswer r = ask_host(c.ctx, HostOp::Read, f->host_handle, want);
  if (!r) return r.refused();
  if (r->value < 0) return fail(c, static_cast<std::int32_t>(-r->value));
  if (r->data.size() > want) r->data.resize(want);
  write(c.mem(), *ptr, r->data);
  return ok(*len - r->data.size());
}

// READC at end of input. The spec has no EOF for READC; -1 is what hosts
// return. But picolibc's stdin (sys_semihost_getc, behind getchar/fgets)
// truncates the result to a byte right after the call (`andi a0,a0,255`),
// so -1 would reach the program as the character 0xff, forever: a
// `while ((c = getchar()) != EOF)` loop never ends. When the call returns to
// exactly that truncation, return past it with picolibc's _FDEV_EOF (-2),
// which its getc turns into EOF with the stream's end-of-file flag set. The
// return goes through ra (sys_semihost's `ret`); sys_semihost_getc reloads ra
// from its frame before returning, so the program sees no other change.
constexpr std::uint32_t kAndiA0A0Ff = 0x0ff57513;  // andi a0, a0, 255 (zext.b a0, a0)
constexpr std::int64_t kPicolibcFdevEof = -2;

Result readc_end_of_input(Call& c) {
  const Addr ra = static_cast<Addr>(c.reg(1));
  auto next = read_u32(c.mem(), ra);
  if (next && *next == kAndiA0A0Ff) {
    c.set_reg(1, c.reg(1) + 4);
    return ok(kPicolibcFdevEof);
  }
  return ok(-1);
}

Result sh_readc(Call& c) {
  GuestFile* f = file(c.st(), 0);
  const std::int64_t handle = f ? f->host_handle : 0;
  HostAnswer r = ask_host(c.ctx, HostOp::Read, handle, 1);
  if (!r) return r.refused();
  if (r->value < 0) return fail(c, static_cast<std::int32_t>(-r->value));
  if (r->data.empty()) return readc_end_of_input(c);
  return ok(r->data[0]);
}

Result sh_istty(Call& c) {
  auto h = c.field(0);
  if (!h) return fail(c, kEFAULT);
  GuestFile* f = file(c.st(), *h);
  if (!f) return fail(c, kEBADF);
  if (f->host_handle == kFeaturesHandle) return ok(0);
  HostAnswer r = ask_host(c.ctx, HostOp::IsTty, f->host_handle);
  if (!r) return r.refused();
  return ok(r->value == 1 ? 1 : 0);
}

Result sh_seek(Call& c) {
  auto h = c.field(0), pos = c.field(1);
  if (!h || !pos) return fail(c, kEFAULT);
  GuestFile* f = file(c.st(), *h);
  if (!f) return fail(c, kEBADF);
  if (f->host_handle == kFeaturesHandle) {
    f->position = *pos;
    return ok(0);
  }
  if (f->host_handle >= 0 && f->host_handle <= 2) return fail(c, kESPIPE);
  HostAnswer r = ask_host(c.ctx, HostOp::Seek, f->host_handle, *pos);
  if (!r) return r.refused();
  return r->value < 0 ? fail(c, static_cast<std::int32_t>(-r->value)) : ok(0);
}

Result sh_flen(Call& c) {
  auto h = c.field(0);
  if (!h) return fail(c, kEFAULT);
  GuestFile* f = file(c.st(), *h);
  if (!f) return fail(c, kEBADF);
  if (f->host_handle == kFeaturesHandle) return ok(sizeof kFeatures);
  if (f->host_handle >= 0 && f->host_handle <= 2) return ok(0);
  HostAnswer r = ask_host(c.ctx, HostOp::FileSize, f->host_handle);
  if (!r) return r.refused();
  if (r->value < 0) return fail(c, static_cast<std::int32_t>(-r->value));
  return ok(std::min<std::int64_t>(r->value, 0x7fffffff));
}

Result sh_get_cmdline(Call& c) {
  auto buf = c.ptr(0);
  auto len = c.field(1);
  if (!buf || !len) return fail(c, kEFAULT);
  const std::string& s = c.st().cmdline;
  if (s.size() + 1 > *len) return fail(c, kEINVAL);
  std::vector<std::uint8_t> bytes(s.begin(), s.end());
  bytes.push_back(0);
  if (!write(c.mem(), *buf, bytes)) return fail(c, kEFAULT);
  std::vector<std::uint8_t> size;
  if (c.rv64()) put_u64(size, s.size());
  else put_u32(size, static_cast<std::uint32_t>(s.size()));
  if (!write(c.mem(), c.a1() + c.word(), size)) return fail(c, kEFAULT);
  return ok(0);
}

Result sh_heapinfo(Call& c) {
  // a1 points to a word holding the address of the four-word block.
  auto block = c.ptr(0);
  if (!block) return fail(c, kEFAULT);
  const SyscallState& st = c.st();
  std::vector<std::uint8_t> out;
  for (Addr v : {st.heap_start, st.heap_end, st.stack_top /* "stack base": the highest address */,
                 st.stack_base /* "stack limit": the lowest */}) {
    if (c.rv64()) put_u64(out, v);
    else put_u32(out, static_cast<std::uint32_t>(v));
  }
  if (!write(c.mem(), *block, out)) return fail(c, kEFAULT);
  return ok(0);
}

Result sh_exit_extended(Call& c) {
  auto reason = c.field(0), subcode = c.field(1);
  if (!reason || !subcode) return fail(c, kEFAULT);
  return exited(*reason == kAdpStoppedApplicationExit ? static_cast<std::int32_t>(*subcode) : 1);
}

Result sh_elapsed(Call& c) {
  std::vector<std::uint8_t> out;
  put_u64(out, c.ctx.icount);
  if (!write(c.mem(), c.a1(), out)) return fail(c, kEFAULT);
  return ok(0);
}

Result sh_iserror(Call& c) {
  auto status = c.field64(0);
  if (!status) return fail(c, kEFAULT);
  const bool negative = c.rv64() ? static_cast<std::int64_t>(*status) < 0 : static_cast<std::int32_t>(*status) < 0;
  return ok(negative ? 1 : 0);
}

Result dispatch(Call& c) {
  const auto op = static_cast<std::uint32_t>(c.reg(10));
  switch (op) {
    case kOpen: return sh_open(c);
    case kClose: return sh_close(c);
    case kWriteC: return sh_writec(c);
    case kWrite0: return sh_write0(c);
    case kWrite: return sh_write(c);
    case kRead: return sh_read(c);
    case kReadC: return sh_readc(c);
    case kIsError: return sh_iserror(c);
    case kIsTty: return sh_istty(c);
    case kSeek: return sh_seek(c);
    case kFlen: return sh_flen(c);
    case kClock: return ok(static_cast<std::int64_t>(std::min<std::uint64_t>(c.ctx.icount / 10000000ull, 0x7fffffff)));
    case kTime: return ok(static_cast<std::int64_t>((c.st().epoch_ns + c.ctx.icount) / 1000000000ull));
    case kErrno: return ok(c.st().semihost_errno);
    case kGetCmdline: return sh_get_cmdline(c);
    case kHeapInfo: return sh_heapinfo(c);
    // RV32 (like AArch32): the reason is a1 itself; RV64 (like AArch64): a
    // block {reason, subcode}, the same as EXIT_EXTENDED.
    case kExit:
      if (c.rv64()) return sh_exit_extended(c);
      return exited(c.reg(11) == kAdpStoppedApplicationExit ? 0 : 1);
    case kExitExtended: return sh_exit_extended(c);
    case kElapsed: return sh_elapsed(c);
    case kTickFreq: return ok(1000000000);  // one tick per instruction, 1 instruction = 1 ns
    case kTmpnam: case kRemove: case kRename: case kSystem: return fail(c, kEACCES);
    default: {
      const std::string name = "semihosting " + std::to_string(op);
      auto& logged = c.st().logged_unknown;
      if (std::find(logged.begin(), logged.end(), name) == logged.end()) logged.push_back(name);
      return fail(c, kENOSYS);
    }
  }
}

}  // namespace

std::optional<StopInfo> semihosting_call(SyscallContext& ctx) {
  return syscall::serve<Call>(ctx, dispatch);
}

}  // namespace rvrr::vm
