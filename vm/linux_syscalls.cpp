// vm/linux_syscalls.cpp - the Linux RISC-V ecall ABI, rv32 (ilp32) and rv64 (lp64).
//
// Number in a7, arguments in a0..a5, result in a0 (-errno on failure). Both
// widths use the asm-generic syscall table, so one implementation serves
// them; what differs is the word size of the structures they exchange
// (iovec, timespec, timeval, struct stat), rv32's llseek where rv64 has a
// plain lseek, and the calls only rv64 programs (static glibc) make:
// anonymous mmap/munmap/mremap, readv, readlinkat, uname, prlimit64, rseq.
// Guest pointers are checked before any host call is made, so a bad pointer
// costs no input and gives -EFAULT. Every host value comes through the
// Environment (at most one call per ecall); time is derived from the
// instruction count. Anything else returns -ENOSYS (logged once).
#include <algorithm>
#include <cstring>

#include "vm/guest_access.hpp"
#include "vm/syscall_call.hpp"
#include "vm/syscalls.hpp"

namespace rvrr::vm {

namespace {

using namespace guest;
using namespace syscall;

enum Nr : std::uint32_t {
  kIoctl = 29, kOpenat = 56, kClose = 57, kLseek = 62, kRead = 63, kWrite = 64, kReadv = 65, kWritev = 66,
  kReadlinkat = 78, kNewfstatat = 79, kFstat = 80, kExit = 93, kExitGroup = 94, kSetTidAddress = 96,
  kSetRobustList = 99, kClockGettime = 113, kSchedYield = 124, kKill = 129, kTgkill = 131, kRtSigaction = 134,
  kRtSigprocmask = 135, kUname = 160, kGettimeofday = 169, kGetpid = 172, kGetppid = 173, kGetuid = 174,
  kGeteuid = 175, kGetgid = 176, kGetegid = 177, kGettid = 178, kBrk = 214, kMunmap = 215, kMremap = 216,
  kMmap = 222, kMprotect = 226, kPrlimit64 = 261, kGetrandom = 278, kStatx = 291, kRseq = 293,
  kClockGettime64 = 403,
};

constexpr std::int32_t kAtFdcwd = -100;
constexpr std::uint32_t kO_ACCMODE = 3, kO_CREAT = 0100, kO_TRUNC = 01000;
constexpr std::uint32_t kMaxIov = 1024;        // IOV_MAX
constexpr std::uint32_t kS_IFCHR = 0020000, kS_IFREG = 0100000;
constexpr std::uint32_t kGuestPid = 1000;      // fixed, so runs compare equal
constexpr std::int32_t kENODEV = 19;
// rv64: unmapped gap kept between the brk heap and the lowest mmap region.
constexpr std::uint64_t kHeapGap = 1u << 20;

struct Call : CallBase {
  bool rv64() const { return ctx.regs64 != nullptr; }
  // The ABI's word ("long", pointers): 4 or 8 bytes.
  std::uint32_t word() const { return rv64() ? 8 : 4; }
  std::uint64_t arg(int i) const { return rv64() ? ctx.regs64[10 + i] : ctx.regs[10 + i]; }
  std::int64_t sarg(int i) const {  // a signed long
    return rv64() ? static_cast<std::int64_t>(ctx.regs64[10 + i]) : static_cast<std::int32_t>(ctx.regs[10 + i]);
  }
  std::int32_t iarg(int i) const { return static_cast<std::int32_t>(arg(i)); }  // an int argument
  Addr ptr(int i) const { return arg(i); }  // a bad one is -EFAULT when used
  // A size argument, capped where one call's work is bounded anyway.
  std::uint32_t size(int i, std::uint32_t cap) const { return static_cast<std::uint32_t>(std::min<std::uint64_t>(arg(i), cap)); }
  std::uint64_t nr() const { return rv64() ? ctx.regs64[17] : ctx.regs[17]; }
  // Append a word-sized value (a long or a pointer) to `out`.
  void put_word(std::vector<std::uint8_t>& out, std::uint64_t v) const {
    if (rv64()) put_u64(out, v);
    else put_u32(out, static_cast<std::uint32_t>(v));
  }
};

Result err(std::int32_t e) { return Result{-e, std::nullopt}; }
std::uint64_t page_up(std::uint64_t a) { return (a + kPageSize - 1) & ~std::uint64_t{kPageSize - 1}; }

bool is_output(const GuestFile* f) { return f && (f->host_handle == 1 || f->host_handle == 2); }
bool readable_fd(const GuestFile* f) { return f && f->host_handle >= 0 && f->host_handle != 1 && f->host_handle != 2; }

Result sys_write(Call& c) {
  GuestFile* f = file(c.st(), c.iarg(0));
  if (!is_output(f)) return err(kEBADF);
  const std::uint32_t len = c.size(2, kMaxIo);
  auto bytes = read(c.mem(), c.ptr(1), len);
  if (!bytes) return err(kEFAULT);
  if (!bytes->empty()) c.ctx.env.output(c.ctx.icount, static_cast<int>(f->host_handle), *bytes);
  return ok(len);
}

// The iovec array {long base; long len}[n] as (pointer, length) pairs, or an errno.
std::optional<std::int32_t> read_iov(Call& c, std::vector<std::pair<Addr, std::uint64_t>>& out) {
  const std::uint64_t n = c.arg(2);
  if (n > kMaxIov) return kEINVAL;
  const std::uint32_t w = c.word();
  auto table = read(c.mem(), c.ptr(1), static_cast<std::uint32_t>(n * 2 * w));
  if (!table) return kEFAULT;
  const std::uint64_t max_len = c.rv64() ? 0x7fffffffffffffffull : 0x7fffffffu;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t base = 0, len = 0;
    std::memcpy(&base, table->data() + i * 2 * w, w);
    std::memcpy(&len, table->data() + i * 2 * w + w, w);
    if (len > max_len) return kEINVAL;
    out.emplace_back(base, len);
  }
  return std::nullopt;
}

Result sys_writev(Call& c) {
  GuestFile* f = file(c.st(), c.iarg(0));
  if (!is_output(f)) return err(kEBADF);
  std::vector<std::pair<Addr, std::uint64_t>> iov;
  if (auto e = read_iov(c, iov)) return err(*e);
  // Gather everything first: a bad buffer anywhere fails the whole call
  // before any byte is output.
  std::vector<std::uint8_t> all;
  for (const auto& [base, len] : iov) {
    const auto take = static_cast<std::uint32_t>(std::min<std::uint64_t>(len, kMaxIo - all.size()));
    auto bytes = read(c.mem(), base, take);
    if (!bytes) return err(kEFAULT);
    all.insert(all.end(), bytes->begin(), bytes->end());
    if (all.size() >= kMaxIo) break;
  }
  if (!all.empty()) c.ctx.env.output(c.ctx.icount, static_cast<int>(f->host_handle), all);
  return ok(static_cast<std::int64_t>(all.size()));
}

// One host Read of `len` bytes from f, or the refusal/failure to return.
std::optional<Result> host_read(Call& c, GuestFile* f, std::uint32_t len, std::vector<std::uint8_t>& data) {
  HostAnswer r = ask_host(c.ctx, HostOp::Read, f->host_handle, len);
  if (!r) return r.refused();
  if (r->value < 0) return ok(r->value);
  if (r->data.size() > len || static_cast<std::int64_t>(r->data.size()) != r->value)
    return host_failure("environment returned " + std::to_string(r->data.size()) + " bytes for a read of " +
                        std::to_string(len) + " at instruction " + std::to_string(c.ctx.icount));
  data = std::move(r->data);
  return std::nullopt;
}

Result sys_read(Call& c) {
  GuestFile* f = file(c.st(), c.iarg(0));
  if (!readable_fd(f)) return err(kEBADF);
  const Addr buf = c.ptr(1);
  const std::uint32_t len = c.size(2, kMaxIo);
  if (len == 0) return ok(0);
  if (!accessible(c.mem(), buf, len, true)) return err(kEFAULT);
  std::vector<std::uint8_t> data;
  if (auto r = host_read(c, f, len, data)) return *r;
  if (!write(c.mem(), buf, data)) return err(kEFAULT);
  return ok(static_cast<std::int64_t>(data.size()));
}

// readv: one host read of the total length, scattered over the buffers.
Result sys_readv(Call& c) {
  GuestFile* f = file(c.st(), c.iarg(0));
  if (!readable_fd(f)) return err(kEBADF);
  std::vector<std::pair<Addr, std::uint64_t>> iov;
  if (auto e = read_iov(c, iov)) return err(*e);
  std::uint64_t total = 0;
  for (auto& [base, len] : iov) {
    len = std::min<std::uint64_t>(len, kMaxIo - total);
    if (!accessible(c.mem(), base, len, true)) return err(kEFAULT);
    total += len;
  }
  if (total == 0) return ok(0);
  std::vector<std::uint8_t> data;
  if (auto r = host_read(c, f, static_cast<std::uint32_t>(total), data)) return *r;
  std::size_t done = 0;
  for (const auto& [base, len] : iov) {
    const std::size_t take = std::min<std::size_t>(len, data.size() - done);
    if (take == 0) break;
    write(c.mem(), base, std::span<const std::uint8_t>(data.data() + done, take));
    done += take;
  }
  return ok(static_cast<std::int64_t>(data.size()));
}

// A path argument: the string, or the errno to return.
std::optional<std::string> path_arg(Call& c, int i, std::int32_t& error) {
  bool too_long = false;
  auto path = read_cstring(c.mem(), c.ptr(i), kPathMax - 1, &too_long);
  if (!path) error = too_long ? kENAMETOOLONG : kEFAULT;
  return path;
}

Result sys_openat(Call& c) {
  const std::int32_t dirfd = c.iarg(0);
  const auto flags = static_cast<std::uint32_t>(c.arg(2));
  std::int32_t e = 0;
  auto path = path_arg(c, 1, e);
  if (!path) return err(e);
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
  const int fd = c.iarg(0);
  GuestFile* f = file(c.st(), fd);
  if (!f) return err(kEBADF);
  const std::int64_t handle = f->host_handle;
  c.st().files[fd].reset();
  if (handle >= 0 && handle <= 2) return ok(0);  // stdio: nothing to ask the host
  HostAnswer r = ask_host(c.ctx, HostOp::Close, handle);
  if (!r) return r.refused();
  return ok(r->value < 0 ? r->value : 0);
}

// Number 62: rv64's lseek(fd, offset, whence); rv32 has no plain lseek, so
// there it is llseek(fd, offset_hi, offset_lo, loff_t* result, whence).
Result sys_lseek(Call& c) {
  GuestFile* f = file(c.st(), c.iarg(0));
  if (!f) return err(kEBADF);
  if (f->host_handle >= 0 && f->host_handle <= 2) return err(kESPIPE);
  const bool ll = !c.rv64();
  const std::int64_t offset = ll ? static_cast<std::int64_t>((c.arg(1) << 32) | c.arg(2)) : c.sarg(1);
  const std::uint64_t whence = c.arg(ll ? 4 : 2);
  if (whence > 2) return err(kEINVAL);
  if (ll && !accessible(c.mem(), c.ptr(3), 8, true)) return err(kEFAULT);
  HostAnswer r = ask_host(c.ctx, HostOp::Seek, f->host_handle, offset, static_cast<std::int64_t>(whence));
  if (!r) return r.refused();
  if (r->value < 0 || !ll) return ok(r->value);
  std::vector<std::uint8_t> out;
  put_u64(out, static_cast<std::uint64_t>(r->value));
  write(c.mem(), c.ptr(3), out);
  return ok(0);
}

// struct stat of the asm-generic ABI: rv32's stat64 (104 bytes: 32-bit
// time fields, what libgloss/newlib's kernel_stat lays out) or lp64's stat
// (128 bytes: 64-bit time fields). The fields before the times are the same.
std::uint32_t stat_size(const Call& c) { return c.rv64() ? 128 : 104; }
Result stat_fd(Call& c, int fd, Addr buf) {
  GuestFile* f = file(c.st(), fd);
  if (!f) return err(kEBADF);
  if (!accessible(c.mem(), buf, stat_size(c), true)) return err(kEFAULT);
  std::uint32_t mode = kS_IFCHR | 0620;
  std::uint64_t rdev = 0, ino = 3 + static_cast<std::uint64_t>(fd);
  std::int64_t size = 0;
  if (f->host_handle >= 0 && f->host_handle <= 2) {
    rdev = (136u << 8) | static_cast<std::uint32_t>(f->host_handle);
    ino = 3 + static_cast<std::uint64_t>(f->host_handle);
  } else {
    HostAnswer r = ask_host(c.ctx, HostOp::FileSize, f->host_handle);
    if (!r) return r.refused();
    if (r->value < 0) return ok(r->value);
    mode = kS_IFREG | 0444;
    size = r->value;
    ino = 100 + static_cast<std::uint64_t>(fd);
  }
  std::vector<std::uint8_t> s;
  put_u64(s, 1);      // st_dev
  put_u64(s, ino);    // st_ino
  put_u32(s, mode);   // st_mode
  put_u32(s, 1);      // st_nlink
  put_u32(s, 0);      // st_uid
  put_u32(s, 0);      // st_gid
  put_u64(s, rdev);   // st_rdev
  put_u64(s, 0);      // __pad1
  put_u64(s, static_cast<std::uint64_t>(size));
  put_u32(s, 4096);   // st_blksize
  put_u32(s, 0);      // __pad2
  put_u64(s, static_cast<std::uint64_t>((size + 511) / 512));
  const std::uint64_t now_s = c.st().epoch_ns / 1000000000ull;  // fixed: files look unmodified during the run
  for (int i = 0; i < 3; ++i) {  // atime, mtime, ctime: sec, nsec
    c.put_word(s, now_s);
    c.put_word(s, 0);
  }
  put_u32(s, 0);
  put_u32(s, 0);
  if (!write(c.mem(), buf, s)) return err(kEFAULT);
  return ok(0);
}

Result sys_fstat(Call& c) { return stat_fd(c, c.iarg(0), c.ptr(1)); }

// newfstatat(dirfd, path, buf, flags): the AT_EMPTY_PATH form (glibc's
// fstat) is served; stat by path would need another host op.
Result sys_newfstatat(Call& c) {
  constexpr std::uint64_t kAtEmptyPath = 0x1000;
  std::int32_t e = 0;
  auto path = path_arg(c, 1, e);
  if (!path) return err(e);
  if (path->empty() && (c.arg(3) & kAtEmptyPath)) return stat_fd(c, c.iarg(0), c.ptr(2));
  return err(kENOSYS);
}

// statx(dirfd, path, flags, mask, buf): what rv32 glibc and musl use for
// fstat (one layout on both widths). Only the AT_EMPTY_PATH form on an open
// fd is served (stat by path would take more than one host call).
Result sys_statx(Call& c) {
  constexpr std::uint64_t kAtEmptyPath = 0x1000;
  constexpr std::uint32_t kStatxBasicStats = 0x7ff;
  std::int32_t e = 0;
  auto path = path_arg(c, 1, e);
  if (!path) return err(e);
  if (!path->empty() || !(c.arg(2) & kAtEmptyPath)) return err(kENOSYS);
  const int fd = c.iarg(0);
  const Addr buf = c.ptr(4);
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

// readlinkat(dirfd, "/proc/self/exe", buf, size): the program's name
// (argv[0]); any other link: -ENOENT (the guest sees no host file system links).
Result sys_readlinkat(Call& c) {
  std::int32_t e = 0;
  auto path = path_arg(c, 1, e);
  if (!path) return err(e);
  if (*path != "/proc/self/exe") return err(kENOENT);
  const std::string& exe = c.st().exe;
  const std::uint32_t n = static_cast<std::uint32_t>(std::min<std::uint64_t>(exe.size(), c.arg(3)));
  if (c.sarg(3) <= 0) return err(kEINVAL);
  if (!write(c.mem(), c.ptr(2), std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(exe.data()), n)))
    return err(kEFAULT);
  return ok(n);
}

// uname: fixed answers (never the host's), "riscv64" as the machine.
Result sys_uname(Call& c) {
  std::vector<std::uint8_t> u(6 * 65, 0);
  const char* fields[6] = {"Linux", "rvrr", "6.1.0", "#1 SMP rvrr", "riscv64", "(none)"};
  for (int i = 0; i < 6; ++i) std::memcpy(u.data() + 65 * i, fields[i], std::strlen(fields[i]));
  if (!write(c.mem(), c.ptr(0), u)) return err(kEFAULT);
  return ok(0);
}

// brk grows up to the stack's guard gap (brk_limit) and, on rv64, below the
// lowest mmap region.
Result sys_brk(Call& c) {
  SyscallState& st = c.st();
  const std::uint64_t want = c.arg(0);
  std::uint64_t limit = st.brk_limit;
  if (c.rv64()) limit = std::min<std::uint64_t>(limit, st.mmap_next > kHeapGap ? st.mmap_next - kHeapGap : 0);
  if (want == 0 || want < st.brk_start || want > limit) return ok(static_cast<std::int64_t>(st.brk));
  const std::uint64_t old_end = page_up(st.brk), new_end = page_up(want);
  if (new_end > old_end) {
    const std::uint64_t pages = (new_end - old_end) / kPageSize;
    if ((c.mem().page_count() + pages) * kPageSize > st.memory_limit) return ok(static_cast<std::int64_t>(st.brk));
    if (!c.mem().map(old_end, new_end - old_end, PermRead | PermWrite)) return ok(static_cast<std::int64_t>(st.brk));
  } else if (new_end < old_end) {
    // Shrinking unmaps whole pages above the new break, so regrowth sees zeros as on Linux.
    c.mem().unmap(new_end, old_end - new_end);
  }
  st.brk = want;
  return ok(static_cast<std::int64_t>(want));
}

std::uint8_t prot_perms(std::uint64_t prot) {
  return static_cast<std::uint8_t>(((prot & 1) ? PermRead : 0) | ((prot & 2) ? PermWrite : 0) | ((prot & 4) ? PermExec : 0));
}

// A fresh region of `len` (page multiple) bytes below the lowest one so far,
// or 0 when it would run into the brk heap or over the memory limit.
Addr take_region(Call& c, std::uint64_t len, std::uint8_t perms) {
  SyscallState& st = c.st();
  const std::uint64_t floor = page_up(st.brk) + kHeapGap;
  if (len == 0 || len > st.mmap_next || st.mmap_next - len < floor) return 0;
  if ((c.mem().page_count() + len / kPageSize) * kPageSize > st.memory_limit) return 0;
  const Addr at = st.mmap_next - len;
  if (!c.mem().map(at, len, perms)) return 0;
  st.mmap_next = at;
  return at;
}

// mmap(addr, len, prot, flags, fd, off) (rv64): anonymous private/shared
// memory only (regions handed out top-down below the stack); MAP_FIXED
// replaces what was there. A file mapping gets -ENODEV.
Result sys_mmap(Call& c) {
  constexpr std::uint64_t kMapFixed = 0x10, kMapAnonymous = 0x20, kMapFixedNoreplace = 0x100000;
  const std::uint64_t addr = c.arg(0), flags = c.arg(3);
  const std::uint64_t len = page_up(c.arg(1));
  if (c.arg(1) == 0 || len < c.arg(1)) return err(c.arg(1) == 0 ? kEINVAL : kENOMEM);
  if (len > c.st().memory_limit) return err(kENOMEM);
  if (!(flags & kMapAnonymous)) return err(kENODEV);
  const std::uint8_t perms = prot_perms(c.arg(2));
  if (flags & (kMapFixed | kMapFixedNoreplace)) {
    if ((addr & (kPageSize - 1)) || addr < kGuardEnd || addr > kRv64SpaceTop || len > kRv64SpaceTop - addr)
      return err(kEINVAL);
    if (flags & kMapFixed) c.mem().unmap(addr, len);
    if ((c.mem().page_count() + len / kPageSize) * kPageSize > c.st().memory_limit) return err(kENOMEM);
    if (!c.mem().map(addr, len, perms)) return err(kENOMEM);
    return ok(static_cast<std::int64_t>(addr));
  }
  const Addr at = take_region(c, len, perms);
  if (!at) return err(kENOMEM);
  return ok(static_cast<std::int64_t>(at));
}

Result sys_munmap(Call& c) {
  const std::uint64_t addr = c.arg(0), len = page_up(c.arg(1));
  if ((addr & (kPageSize - 1)) || c.arg(1) == 0) return err(kEINVAL);
  if (len < c.arg(1) || addr >= kRv64SpaceTop) return ok(0);  // nothing is mapped there
  c.mem().unmap(addr, std::min<std::uint64_t>(len, kRv64SpaceTop - addr));
  return ok(0);
}

// mremap(old, old_len, new_len, flags): shrink in place, or (MREMAP_MAYMOVE)
// move to a fresh region, copying the bytes.
Result sys_mremap(Call& c) {
  constexpr std::uint64_t kMayMove = 1;
  const std::uint64_t old = c.arg(0), old_len = page_up(c.arg(1)), new_len = page_up(c.arg(2));
  if ((old & (kPageSize - 1)) || new_len == 0 || old >= kRv64SpaceTop || old_len > kRv64SpaceTop - old ||
      new_len > c.st().memory_limit)
    return err(kEINVAL);
  if (!accessible(c.mem(), old, old_len, false)) return err(kEFAULT);
  if (new_len <= old_len) {
    c.mem().unmap(old + new_len, old_len - new_len);
    return ok(static_cast<std::int64_t>(old));
  }
  if (!(c.arg(3) & kMayMove)) return err(kENOMEM);
  const std::uint8_t perms = c.mem().perms(old);
  const Addr at = take_region(c, new_len, perms);
  if (!at) return err(kENOMEM);
  std::vector<std::uint8_t> bytes(old_len);
  c.mem().read_bytes(old, bytes);
  c.mem().write_bytes(at, bytes);
  c.mem().unmap(old, old_len);
  return ok(static_cast<std::int64_t>(at));
}

// prlimit64(pid, resource, new, old): reports the stack size for
// RLIMIT_STACK and "unlimited" otherwise; new limits are accepted and ignored.
Result sys_prlimit64(Call& c) {
  constexpr std::uint64_t kRlimitStack = 3, kInfinity = ~0ull;
  if (c.arg(0) != 0 && c.arg(0) != kGuestPid) return err(kEPERM);
  if (c.arg(3) != 0) {
    const std::uint64_t v = c.arg(1) == kRlimitStack ? c.st().stack_top - c.st().stack_base : kInfinity;
    std::vector<std::uint8_t> r;
    put_u64(r, v);
    put_u64(r, kInfinity);
    if (!write(c.mem(), c.ptr(3), r)) return err(kEFAULT);
  }
  return ok(0);
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

// time64: struct __kernel_timespec { s64 tv_sec; s64 tv_nsec; } (rv32's
// clock_gettime64; rv64's timespec is the same); else rv32's old timespec
// of two 32-bit words.
Result sys_clock_gettime(Call& c, bool time64) {
  auto ns = clock_ns(c, c.iarg(0));
  if (!ns) return err(kEINVAL);
  std::vector<std::uint8_t> ts;
  if (time64) {
    put_u64(ts, *ns / 1000000000ull);
    put_u64(ts, *ns % 1000000000ull);
  } else {
    put_u32(ts, static_cast<std::uint32_t>(*ns / 1000000000ull));
    put_u32(ts, static_cast<std::uint32_t>(*ns % 1000000000ull));
  }
  if (!write(c.mem(), c.ptr(1), ts)) return err(kEFAULT);
  return ok(0);
}

Result sys_gettimeofday(Call& c) {
  const std::uint64_t ns = c.st().epoch_ns + c.ctx.icount;
  if (c.arg(0)) {
    std::vector<std::uint8_t> tv;  // struct timeval { long tv_sec; long tv_usec; }
    c.put_word(tv, ns / 1000000000ull);
    c.put_word(tv, (ns % 1000000000ull) / 1000);
    if (!write(c.mem(), c.ptr(0), tv)) return err(kEFAULT);
  }
  if (c.arg(1)) {
    const std::uint8_t tz[8] = {};
    if (!write(c.mem(), c.ptr(1), tz)) return err(kEFAULT);
  }
  return ok(0);
}

Result sys_getrandom(Call& c) {
  const Addr buf = c.ptr(0);
  const std::uint32_t len = c.size(1, 1u << 20);
  if (c.arg(2) & ~7ull) return err(kEINVAL);
  if (len == 0) return ok(0);
  if (!accessible(c.mem(), buf, len, true)) return err(kEFAULT);
  HostAnswer r = ask_host(c.ctx, HostOp::Random, 0, len);
  if (!r) return r.refused();
  if (r->data.size() > len) r->data.resize(len);
  if (!write(c.mem(), buf, r->data)) return err(kEFAULT);
  return ok(static_cast<std::int64_t>(r->data.size()));
}

Result sys_exit(Call& c) {
  return stop(StopInfo::exited(static_cast<std::int32_t>(c.iarg(0) & 0xff)));  // the status a parent sees, as on Linux
}

Result unknown(Call& c, std::uint64_t nr) {
  const std::string name = std::to_string(nr);
  auto& logged = c.st().logged_unknown;
  if (std::find(logged.begin(), logged.end(), name) == logged.end()) logged.push_back(name);
  return err(kENOSYS);
}

// The calls only rv64 programs get (static glibc's start-up and malloc);
// rv32 programs (newlib, picolibc, our crt0) fall back to brk without them.
Result dispatch_rv64_only(Call& c, std::uint64_t nr) {
  switch (nr) {
    case kReadv: return sys_readv(c);
    case kReadlinkat: return sys_readlinkat(c);
    case kUname: return sys_uname(c);
    case kMmap: return sys_mmap(c);
    case kMunmap: return sys_munmap(c);
    case kMremap: return sys_mremap(c);
    case kPrlimit64: return sys_prlimit64(c);
    // rseq is optional for glibc (it falls back when the kernel lacks it): not logged.
    case kRseq: return err(kENOSYS);
    default: return unknown(c, nr);
  }
}

Result dispatch(Call& c) {
  const std::uint64_t nr = c.nr();
  switch (nr) {
    case kExit: case kExitGroup: return sys_exit(c);
    case kRead: return sys_read(c);
    case kWrite: return sys_write(c);
    case kWritev: return sys_writev(c);
    case kOpenat: return sys_openat(c);
    case kClose: return sys_close(c);
    case kLseek: return sys_lseek(c);
    case kFstat: return sys_fstat(c);
    case kNewfstatat: return sys_newfstatat(c);
    case kStatx: return sys_statx(c);
    case kBrk: return sys_brk(c);
    case kClockGettime: return sys_clock_gettime(c, c.rv64());
    case kGettimeofday: return sys_gettimeofday(c);
    case kGetrandom: return sys_getrandom(c);
    // No terminal emulation (TCGETS, TIOCGWINSZ, ...): every fd looks like a
    // pipe or file. Deterministic, and libc then buffers stdout fully.
    case kIoctl: return file(c.st(), c.iarg(0)) ? err(kENOTTY) : err(kEBADF);
    // Process identity and signal plumbing libc touches at startup: fixed
    // answers, no host involved.
    case kSetTidAddress: case kGetpid: case kGettid: return ok(kGuestPid);
    case kGetppid: return ok(kGuestPid - 1);
    case kGetuid: case kGeteuid: case kGetgid: case kGetegid: return ok(0);
    case kSetRobustList: case kRtSigaction: case kRtSigprocmask: case kSchedYield: return ok(0);
    case kMprotect: return ok(0);  // permissions stay as mapped (RELRO and guard pages are advisory here)
    default: break;
  }
  if (c.rv64()) return dispatch_rv64_only(c, nr);
  if (nr == kClockGettime64) return sys_clock_gettime(c, true);  // rv32 only: rv64's 113 is already 64-bit
  return unknown(c, nr);
}

}  // namespace

std::optional<StopInfo> linux_syscall(SyscallContext& ctx) {
  return syscall::serve<Call>(ctx, dispatch);
}

}  // namespace rvrr::vm
