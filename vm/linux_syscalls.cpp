// vm/linux_syscalls.cpp - the Linux RISC-V (rv32) ecall ABI.
//
// Number in a7, arguments in a0..a5, result in a0 (-errno on failure). Guest
// pointers are checked before any host call is made, so a bad pointer costs
// no input and gives -EFAULT. Every host value comes through the Environment
// (at most one call per ecall); time is derived from the instruction count.
#include <algorithm>

#include "vm/guest_access.hpp"
#include "vm/syscall_call.hpp"
#include "vm/syscalls.hpp"

namespace rvrr::vm {

namespace {

using namespace guest;
using namespace syscall;

enum Nr : std::uint32_t {
  kIoctl = 29, kOpenat = 56, kClose = 57, kLseek = 62, kRead = 63, kWrite = 64, kReadv = 65, kWritev = 66,
  kNewfstatat = 79, kFstat = 80, kExit = 93, kExitGroup = 94, kSetTidAddress = 96, kSetRobustList = 99,
  kClockGettime = 113, kSchedYield = 124, kKill = 129, kTgkill = 131, kRtSigaction = 134,
  kRtSigprocmask = 135, kGettimeofday = 169, kGetpid = 172, kGetppid = 173, kGetuid = 174, kGeteuid = 175,
  kGetgid = 176, kGetegid = 177, kGettid = 178, kBrk = 214, kMunmap = 215, kMmap = 222, kMprotect = 226,
  kGetrandom = 278, kStatx = 291, kClockGettime64 = 403,
};

constexpr std::int32_t kAtFdcwd = -100;
constexpr std::uint32_t kO_ACCMODE = 3, kO_CREAT = 0100, kO_TRUNC = 01000;
constexpr std::uint32_t kMaxIov = 1024;        // IOV_MAX
constexpr std::uint32_t kS_IFCHR = 0020000, kS_IFREG = 0100000;
constexpr std::uint32_t kGuestPid = 1000;      // fixed, so runs compare equal

struct Call : CallBase {
  std::uint32_t arg(int i) const { return ctx.regs[10 + i]; }
  std::int32_t sarg(int i) const { return static_cast<std::int32_t>(ctx.regs[10 + i]); }
};

Result err(std::int32_t e) { return Result{-e, std::nullopt}; }

Result do_write_bytes(Call& c, int fd, Addr buf, std::uint32_t len) {
  GuestFile* f = file(c.st(), fd);
  if (!f || (f->host_handle != 1 && f->host_handle != 2)) return err(kEBADF);
  len = std::min(len, kMaxIo);
  auto bytes = read(c.mem(), buf, len);
  if (!bytes) return err(kEFAULT);
  if (!bytes->empty()) c.ctx.env.output(c.ctx.icount, static_cast<int>(f->host_handle), *bytes);
  return ok(len);
}

Result sys_write(Call& c) { return do_write_bytes(c, c.sarg(0), c.arg(1), c.arg(2)); }

Result sys_writev(Call& c) {
  const int fd = c.sarg(0);
  const Addr iov = c.arg(1);
  const std::uint32_t n = c.arg(2);
  if (n > kMaxIov) return err(kEINVAL);
  GuestFile* f = file(c.st(), fd);
  if (!f || (f->host_handle != 1 && f->host_handle != 2)) return err(kEBADF);
  auto table = read(c.mem(), iov, n * 8);
  if (!table) return err(kEFAULT);
  // Gather everything first: a bad buffer anywhere fails the whole call
  // before any byte is output.
  std::vector<std::uint8_t> all;
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint8_t* e = table->data() + i * 8;
    const Addr base = e[0] | (e[1] << 8) | (e[2] << 16) | (static_cast<Addr>(e[3]) << 24);
    const std::uint32_t len = e[4] | (e[5] << 8) | (e[6] << 16) | (static_cast<std::uint32_t>(e[7]) << 24);
    if (len > 0x7fffffffu) return err(kEINVAL);
    const auto take = static_cast<std::uint32_t>(std::min<std::uint64_t>(len, kMaxIo - all.size()));
    auto bytes = read(c.mem(), base, take);
    if (!bytes) return err(kEFAULT);
    all.insert(all.end(), bytes->begin(), bytes->end());
    if (all.size() >= kMaxIo) break;
  }
  if (!all.empty()) c.ctx.env.output(c.ctx.icount, static_cast<int>(f->host_handle), all);
  return ok(static_cast<std::int64_t>(all.size()));
}

Result sys_read(Call& c) {
  GuestFile* f = file(c.st(), c.sarg(0));
  if (!f || f->host_handle == 1 || f->host_handle == 2 || f->host_handle < 0) return err(kEBADF);
  const Addr buf = c.arg(1);
  const std::uint32_t len = std::min(c.arg(2), kMaxIo);
  if (len == 0) return ok(0);
  if (!accessible(c.mem(), buf, len, true)) return err(kEFAULT);
  HostAnswer r = ask_host(c.ctx, HostOp::Read, f->host_handle, len);
  if (!r) return r.refused();
  if (r->value < 0) return ok(r->value);
  if (r->data.size() > len || static_cast<std::int64_t>(r->data.size()) != r->value) {
    return host_failure("environment returned " + std::to_string(r->data.size()) + " bytes for a read of " +
                        std::to_string(len) + " at instruction " + std::to_string(c.ctx.icount));
  }
  if (!write(c.mem(), buf, r->data)) return err(kEFAULT);
  return ok(r->value);
}

Result sys_openat(Call& c) {
  const std::int32_t dirfd = c.sarg(0);
  const std::uint32_t flags = c.arg(2);
  bool too_long = false;
  auto path = read_cstring(c.mem(), c.arg(1), kPathMax - 1, &too_long);
  if (!path) return err(too_long ? kENAMETOOLONG : kEFAULT);
  if (path->empty()) return err(kENOENT);
  if ((*path)[0] != '/' && dirfd != kAtFdcwd) return err(file(c.st(), dirfd) ? kENOTDIR : kEBADF);
  // Host files are read-only for the guest: no writes, no creation, no truncation.
  if ((flags & kO_ACCMODE) != 0 || (flags & (kO_CREAT | kO_TRUNC))) return err(kEACCES);
  const int fd = lowest_free_fd(c.st());
  if (fd < 0) return err(kEMFILE);
  HostAnswer r = ask_host_open(c.ctx, *path, flags);
  if (!r) return r.refused();
  if (r->value < 0) return ok(r->value);
  c.st().files[fd] = GuestFile{r->value, *path, 0};
  return ok(fd);
}

Result sys_close(Call& c) {
  const int fd = c.sarg(0);
  GuestFile* f = file(c.st(), fd);
  if (!f) return err(kEBADF);
  const std::int64_t handle = f->host_handle;
  c.st().files[fd].reset();
  if (handle >= 0 && handle <= 2) return ok(0);  // stdio: nothing to ask the host
  HostAnswer r = ask_host(c.ctx, HostOp::Close, handle);
  if (!r) return r.refused();
  return ok(r->value < 0 ? r->value : 0);
}

// rv32 has no plain lseek: number 62 is llseek(fd, offset_hi, offset_lo, loff_t* result, whence).
Result sys_llseek(Call& c) {
  GuestFile* f = file(c.st(), c.sarg(0));
  if (!f) return err(kEBADF);
  if (f->host_handle >= 0 && f->host_handle <= 2) return err(kESPIPE);
  const std::int64_t offset = static_cast<std::int64_t>((static_cast<std::uint64_t>(c.arg(1)) << 32) | c.arg(2));
  const Addr result = c.arg(3);
  const std::uint32_t whence = c.arg(4);
  if (whence > 2) return err(kEINVAL);
  if (!accessible(c.mem(), result, 8, true)) return err(kEFAULT);
  HostAnswer r = ask_host(c.ctx, HostOp::Seek, f->host_handle, offset, whence);
  if (!r) return r.refused();
  if (r->value < 0) return ok(r->value);
  std::vector<std::uint8_t> out;
  put_u64(out, static_cast<std::uint64_t>(r->value));
  write(c.mem(), result, out);
  return ok(0);
}

// struct stat64 of the asm-generic 32-bit ABI (104 bytes): what rv32 fstat
// users (libgloss/newlib's kernel_stat) lay out.
Result write_stat(Call& c, Addr buf, std::uint32_t mode, std::int64_t size, std::uint32_t rdev, std::uint64_t ino) {
  std::vector<std::uint8_t> s;
  put_u64(s, 1);            // st_dev
  put_u64(s, ino);          // st_ino
  put_u32(s, mode);         // st_mode
  put_u32(s, 1);            // st_nlink
  put_u32(s, 0);            // st_uid
  put_u32(s, 0);            // st_gid
  put_u64(s, rdev);         // st_rdev
  put_u64(s, 0);            // __pad1
  put_u64(s, static_cast<std::uint64_t>(size));  // st_size
  put_u32(s, 4096);         // st_blksize
  put_u32(s, 0);            // __pad2
  put_u64(s, static_cast<std::uint64_t>((size + 511) / 512));  // st_blocks
  const std::uint64_t now_s = c.st().epoch_ns / 1000000000ull;  // fixed: files look unmodified during the run
  for (int i = 0; i < 3; ++i) {
    put_u32(s, static_cast<std::uint32_t>(now_s));
    put_u32(s, 0);
  }
  put_u32(s, 0);
  put_u32(s, 0);
  if (!write(c.mem(), buf, s)) return err(kEFAULT);
  return ok(0);
}

Result stat_fd(Call& c, int fd, Addr buf) {
  GuestFile* f = file(c.st(), fd);
  if (!f) return err(kEBADF);
  if (!accessible(c.mem(), buf, 104, true)) return err(kEFAULT);
  if (f->host_handle >= 0 && f->host_handle <= 2)
    return write_stat(c, buf, kS_IFCHR | 0620, 0, (136u << 8) | static_cast<std::uint32_t>(f->host_handle), 3 + f->host_handle);
  HostAnswer r = ask_host(c.ctx, HostOp::FileSize, f->host_handle);
  if (!r) return r.refused();
  if (r->value < 0) return ok(r->value);
  return write_stat(c, buf, kS_IFREG | 0444, r->value, 0, 100 + static_cast<std::uint64_t>(fd));
}

Result sys_fstat(Call& c) { return stat_fd(c, c.sarg(0), c.arg(1)); }

// newfstatat(dirfd, path, buf, flags): only the AT_EMPTY_PATH form (fstat on
// dirfd) is served; stat by path would need another host op.
Result sys_newfstatat(Call& c) {
  constexpr std::uint32_t kAtEmptyPath = 0x1000;
  bool too_long = false;
  auto path = read_cstring(c.mem(), c.arg(1), kPathMax - 1, &too_long);
  if (!path) return err(too_long ? kENAMETOOLONG : kEFAULT);
  if (path->empty() && (c.arg(3) & kAtEmptyPath)) return stat_fd(c, c.sarg(0), c.arg(2));
  return err(kENOSYS);
}

// statx(dirfd, path, flags, mask, buf): what rv32 glibc and musl use for
// fstat. Only the AT_EMPTY_PATH form on an open fd is served (stat by path
// would take more than one host call).
Result sys_statx(Call& c) {
  constexpr std::uint32_t kAtEmptyPath = 0x1000;
  constexpr std::uint32_t kStatxBasicStats = 0x7ff;
  bool too_long = false;
  auto path = read_cstring(c.mem(), c.arg(1), kPathMax - 1, &too_long);
  if (!path) return err(too_long ? kENAMETOOLONG : kEFAULT);
  if (!path->empty() || !(c.arg(2) & kAtEmptyPath)) return err(kENOSYS);
  const int fd = c.sarg(0);
  const Addr buf = c.arg(4);
  GuestFile* f = file(c.st(), fd);
  if (!f) return err(kEBADF);
  if (!accessible(c.mem(), buf, 256, true)) return err(kEFAULT);
  std::uint32_t mode = kS_IFCHR | 0620, rdev_major = 136, rdev_minor = 0;
  std::int64_t size = 0;
  std::uint64_t ino = 3 + static_cast<std::uint64_t>(fd);
  if (!(f->host_handle >= 0 && f->host_handle <= 2)) {
    HostAnswer r = ask_host(c.ctx, HostOp::FileSize, f->host_handle);
    if (!r) return r.refused();
    if (r->value < 0) return ok(r->value);
    mode = kS_IFREG | 0444;
    size = r->value;
    rdev_major = 0;
    ino = 100 + static_cast<std::uint64_t>(fd);
  } else {
    rdev_minor = static_cast<std::uint32_t>(f->host_handle);
  }
  std::vector<std::uint8_t> s;
  put_u32(s, kStatxBasicStats);  // stx_mask
  put_u32(s, 4096);              // stx_blksize
  put_u64(s, 0);                 // stx_attributes
  put_u32(s, 1);                 // stx_nlink
  put_u32(s, 0);                 // stx_uid
  put_u32(s, 0);                 // stx_gid
  put_u32(s, mode & 0xffff);     // stx_mode (u16) + spare
  put_u64(s, ino);               // stx_ino
  put_u64(s, static_cast<std::uint64_t>(size));
  put_u64(s, static_cast<std::uint64_t>((size + 511) / 512));
  put_u64(s, 0);                 // stx_attributes_mask
  const std::uint64_t now_s = c.st().epoch_ns / 1000000000ull;
  for (int i = 0; i < 4; ++i) {  // atime, btime, ctime, mtime
    put_u64(s, now_s);
    put_u64(s, 0);
  }
  put_u32(s, rdev_major);
  put_u32(s, rdev_minor);
  put_u32(s, 0);                 // stx_dev_major
  put_u32(s, 1);                 // stx_dev_minor
  s.resize(256, 0);
  if (!write(c.mem(), buf, s)) return err(kEFAULT);
  return ok(0);
}

Result sys_brk(Call& c) {
  SyscallState& st = c.st();
  const Addr want = c.arg(0);
  if (want == 0 || want < st.brk_start || want > st.brk_limit) return ok(st.brk);
  const std::uint64_t old_end = (static_cast<std::uint64_t>(st.brk) + kPageSize - 1) & ~std::uint64_t{kPageSize - 1};
  const std::uint64_t new_end = (static_cast<std::uint64_t>(want) + kPageSize - 1) & ~std::uint64_t{kPageSize - 1};
  if (new_end > old_end) {
    const std::uint64_t pages = (new_end - old_end) / kPageSize;
    if ((c.mem().page_count() + pages) * kPageSize > st.memory_limit) return ok(st.brk);
    if (!c.mem().map(static_cast<Addr>(old_end), static_cast<std::uint32_t>(new_end - old_end), PermRead | PermWrite))
      return ok(st.brk);
  } else if (new_end < old_end) {
    // Shrinking unmaps whole pages above the new break, so regrowth sees zeros as on Linux.
    c.mem().unmap(static_cast<Addr>(new_end), static_cast<std::uint32_t>(old_end - new_end));
  }
  st.brk = want;
  return ok(want);
}

std::optional<std::uint64_t> clock_ns(Call& c, std::int32_t clock) {
  switch (clock) {
    case 0: case 5: case 8: case 11:  // REALTIME, REALTIME_COARSE, REALTIME_ALARM, TAI
      return c.st().epoch_ns + c.ctx.icount;
    case 1: case 2: case 3: case 4: case 6: case 7: case 9:  // MONOTONIC, CPUTIME, RAW, COARSE, BOOTTIME
      return c.ctx.icount;
    default:
      return std::nullopt;
  }
}

Result sys_clock_gettime(Call& c, bool time64) {
  auto ns = clock_ns(c, c.sarg(0));
  if (!ns) return err(kEINVAL);
  std::vector<std::uint8_t> ts;
  if (time64) {  // struct __kernel_timespec { s64 tv_sec; s64 tv_nsec; }
    put_u64(ts, *ns / 1000000000ull);
    put_u64(ts, *ns % 1000000000ull);
  } else {       // old 32-bit timespec { s32 tv_sec; s32 tv_nsec; }
    put_u32(ts, static_cast<std::uint32_t>(*ns / 1000000000ull));
    put_u32(ts, static_cast<std::uint32_t>(*ns % 1000000000ull));
  }
  if (!write(c.mem(), c.arg(1), ts)) return err(kEFAULT);
  return ok(0);
}

Result sys_gettimeofday(Call& c) {
  const std::uint64_t ns = c.st().epoch_ns + c.ctx.icount;
  if (c.arg(0)) {
    std::vector<std::uint8_t> tv;  // struct timeval { s32 tv_sec; s32 tv_usec; }
    put_u32(tv, static_cast<std::uint32_t>(ns / 1000000000ull));
    put_u32(tv, static_cast<std::uint32_t>((ns % 1000000000ull) / 1000));
    if (!write(c.mem(), c.arg(0), tv)) return err(kEFAULT);
  }
  if (c.arg(1)) {
    const std::uint8_t tz[8] = {};
    if (!write(c.mem(), c.arg(1), tz)) return err(kEFAULT);
  }
  return ok(0);
}

Result sys_getrandom(Call& c) {
  const Addr buf = c.arg(0);
  const std::uint32_t len = std::min(c.arg(1), 1u << 20);
  if (c.arg(2) & ~7u) return err(kEINVAL);
  if (len == 0) return ok(0);
  if (!accessible(c.mem(), buf, len, true)) return err(kEFAULT);
  HostAnswer r = ask_host(c.ctx, HostOp::Random, 0, len);
  if (!r) return r.refused();
  if (r->data.size() > len) r->data.resize(len);
  if (!write(c.mem(), buf, r->data)) return err(kEFAULT);
  return ok(static_cast<std::int64_t>(r->data.size()));
}

Result sys_ioctl(Call& c) {
  if (!file(c.st(), c.sarg(0))) return err(kEBADF);
  // No terminal emulation (TCGETS, TIOCGWINSZ, ...): every fd looks like a
  // pipe or file. Deterministic, and libc then buffers stdout fully.
  return err(kENOTTY);
}

Result sys_exit(Call& c) {
  StopInfo s;
  s.kind = StopKind::Exited;
  s.exit_code = c.sarg(0) & 0xff;  // the process status a parent sees, as on Linux
  return stop(s);
}

Result unknown(Call& c, std::uint32_t nr) {
  const std::string name = std::to_string(nr);
  auto& logged = c.st().logged_unknown;
  if (std::find(logged.begin(), logged.end(), name) == logged.end()) logged.push_back(name);
  return err(kENOSYS);
}

Result dispatch(Call& c) {
  const std::uint32_t nr = c.ctx.regs[17];
  switch (nr) {
    case kExit: case kExitGroup: return sys_exit(c);
    case kRead: return sys_read(c);
    case kWrite: return sys_write(c);
    case kWritev: return sys_writev(c);
    case kOpenat: return sys_openat(c);
    case kClose: return sys_close(c);
    case kLseek: return sys_llseek(c);
    case kFstat: return sys_fstat(c);
    case kNewfstatat: return sys_newfstatat(c);
    case kStatx: return sys_statx(c);
    case kBrk: return sys_brk(c);
    case kClockGettime: return sys_clock_gettime(c, false);
    case kClockGettime64: return sys_clock_gettime(c, true);
    case kGettimeofday: return sys_gettimeofday(c);
    case kGetrandom: return sys_getrandom(c);
    case kIoctl: return sys_ioctl(c);
    // Process identity and signal plumbing libc touches at startup: fixed
    // answers, no host involved.
    case kSetTidAddress: case kGetpid: case kGettid: return ok(kGuestPid);
    case kGetppid: return ok(kGuestPid - 1);
    case kGetuid: case kGeteuid: case kGetgid: case kGetegid: return ok(0);
    case kSetRobustList: case kRtSigaction: case kRtSigprocmask: case kSchedYield: return ok(0);
    case kMprotect: return ok(0);
    case kMmap: case kMunmap: return unknown(c, nr);  // libc allocators fall back to brk
    default: return unknown(c, nr);
  }
}

}  // namespace

std::optional<StopInfo> linux_syscall(SyscallContext& ctx) {
  return syscall::serve<Call>(ctx, dispatch);
}

}  // namespace rvrr::vm
