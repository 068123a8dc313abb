// sqlite_os.c - the operating-system layer of the SQLite benchmark guest.
//
// SQLite is built with SQLITE_OS_OTHER=1 (no unix/win VFS: they would need
// open, mmap, fcntl locks, getpid... that neither the Linux-ABI runtime nor
// rvrr's RV32 syscalls provide), so the program supplies sqlite3_os_init.
// The workload uses one in-memory database and SQLITE_TEMP_STORE=3 keeps
// temporary tables in memory too, so no file is ever opened: xOpen fails.
// Randomness and time are fixed so every run executes the same
// instructions (rvrr and qemu-riscv32 must print the same output).
#include "sqlite3.h"

static int vfs_open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  (void)vfs, (void)name, (void)flags, (void)out_flags;
  file->pMethods = 0;  // tells SQLite there is nothing to close
  return SQLITE_CANTOPEN;
}
static int vfs_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  (void)vfs, (void)name, (void)sync_dir;
  return SQLITE_IOERR_DELETE;
}
static int vfs_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  (void)vfs, (void)name, (void)flags;
  *out = 0;  // no file exists
  return SQLITE_OK;
}
static int vfs_full_pathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  (void)vfs;
  sqlite3_snprintf(n, out, "%s", name);
  return SQLITE_OK;
}
// Seeds SQLite's PRNG (random(), temp names): a fixed pattern, not entropy.
static int vfs_randomness(sqlite3_vfs* vfs, int n, char* out) {
  (void)vfs;
  for (int i = 0; i < n; i++) out[i] = (char)(i * 131 + 7);
  return n;
}
static int vfs_sleep(sqlite3_vfs* vfs, int microseconds) {
  (void)vfs;
  return microseconds;
}
// 2026-01-01 00:00:00 UTC as a Julian day number (times 86400000 ms).
static int vfs_current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* ms) {
  (void)vfs;
  *ms = (sqlite3_int64)2461041 * 86400000 + 43200000;
  return SQLITE_OK;
}
static int vfs_current_time(sqlite3_vfs* vfs, double* days) {
  sqlite3_int64 ms;
  vfs_current_time_int64(vfs, &ms);
  *days = ms / 86400000.0;
  return SQLITE_OK;
}
static int vfs_get_last_error(sqlite3_vfs* vfs, int n, char* out) {
  (void)vfs;
  if (n > 0) out[0] = 0;
  return 0;
}

static sqlite3_vfs memory_only_vfs = {
    .iVersion = 2,
    .szOsFile = sizeof(sqlite3_file),
    .mxPathname = 256,
    .zName = "memory-only",
    .xOpen = vfs_open,
    .xDelete = vfs_delete,
    .xAccess = vfs_access,
    .xFullPathname = vfs_full_pathname,
    .xRandomness = vfs_randomness,
    .xSleep = vfs_sleep,
    .xCurrentTime = vfs_current_time,
    .xGetLastError = vfs_get_last_error,
    .xCurrentTimeInt64 = vfs_current_time_int64,
};

int sqlite3_os_init(void) { return sqlite3_vfs_register(&memory_only_vfs, 1); }
int sqlite3_os_end(void) { return SQLITE_OK; }
