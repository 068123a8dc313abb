// vm/run_counters.cpp - the process-wide table of counted exits, and counters.
#include "vm/run_counters.hpp"

#include <sys/mman.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <new>

namespace rvrr::vm {

namespace {

// Chunks allocated as ids are handed out: readers on other threads index
// published ids without a lock (a chunk never moves once allocated).
constexpr std::size_t kChunk = std::size_t{1} << 14;
constexpr std::size_t kChunks = kMaxCountedExits / kChunk;

struct Table {
  std::mutex lock;
  std::array<std::atomic<CountedExit*>, kChunks> chunks{};
  std::atomic<std::size_t> size{0};
};

Table& table() {
  static Table* t = new Table;  // never destroyed: translated code may still refer to ids at exit
  return *t;
}

}  // namespace

std::size_t counted_exits() { return table().size.load(std::memory_order_acquire); }

const CountedExit& counted_exit(std::size_t id) {
  return table().chunks[id / kChunk].load(std::memory_order_acquire)[id % kChunk];
}

std::size_t add_counted_exit(const CountedExit& exit) {
  Table& t = table();
  std::lock_guard<std::mutex> g(t.lock);
  const std::size_t id = t.size.load(std::memory_order_relaxed);
  if (id >= kMaxCountedExits) return kMaxCountedExits;
  CountedExit* chunk = t.chunks[id / kChunk].load(std::memory_order_relaxed);
  if (chunk == nullptr) {
    chunk = new CountedExit[kChunk];
    t.chunks[id / kChunk].store(chunk, std::memory_order_release);
  }
  chunk[id % kChunk] = exit;
  t.size.store(id + 1, std::memory_order_release);
  return id;
}

RunCounters::RunCounters() {
  void* p = mmap(nullptr, kHeaderBytes + kMaxCountedExits * sizeof(std::uint64_t), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  counts_ = reinterpret_cast<std::uint64_t*>(static_cast<char*>(p) + kHeaderBytes);
}

RunCounters::~RunCounters() {
  munmap(reinterpret_cast<char*>(counts_) - kHeaderBytes, kHeaderBytes + kMaxCountedExits * sizeof(std::uint64_t));
}

}  // namespace rvrr::vm
