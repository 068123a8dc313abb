// vm/memory.cpp - paged copy-on-write memory, its TLBs and page decoding.
#include "vm/memory.hpp"

#include <algorithm>
#include <atomic>

#include "vm/hash.hpp"
#include "vm/memory_internals.hpp"

namespace rvrr::vm {
namespace {
constexpr std::uint32_t kL1Entries = 1024;
constexpr std::uint32_t l1_index(std::uint32_t page) { return page >> 10; }
constexpr std::uint32_t l2_index(std::uint32_t page) { return page & 1023; }

// Freshly mapped pages all share one zero page: mapping costs no memory and
// no memset, and the first write clones it like any shared page (this holder
// keeps its use count above one forever). Its bytes are never written, and it
// is never decoded (fetch_slow privatises it first), so it is safe to share
// between machines on different threads.
const std::shared_ptr<Memory::Page>& zero_page() {
  static const std::shared_ptr<Memory::Page> zero = [] {
    auto p = std::make_shared<Memory::Page>();
    std::memset(p->bytes, 0, kPageSize);
    return p;
  }();
  return zero;
}
}  // namespace

Memory::Memory() : l1_(new std::shared_ptr<Table>[kL1Entries]) {}

Memory::Memory(const Memory& o)
    : l1_(new std::shared_ptr<Table>[kL1Entries]), page_count_(o.page_count_), unmaps_(o.unmaps_) {
  std::copy(o.l1_.get(), o.l1_.get() + kL1Entries, l1_.get());
  o.flush_writes();  // its pages are shared now: its next write must clone
}

Memory& Memory::operator=(const Memory& o) {
  if (this == &o) return *this;
  std::copy(o.l1_.get(), o.l1_.get() + kL1Entries, l1_.get());
  page_count_ = o.page_count_;
  unmaps_ = o.unmaps_;
  flush_all();
  o.flush_writes();
  return *this;
}

Memory::Memory(Memory&& o) noexcept
    : l1_(std::move(o.l1_)), page_count_(o.page_count_), unmaps_(o.unmaps_), retired_(std::move(o.retired_)),
      code_written_(o.code_written_) {
  std::copy(std::begin(o.read_tlb_), std::end(o.read_tlb_), read_tlb_);
  std::copy(std::begin(o.write_tlb_), std::end(o.write_tlb_), write_tlb_);
  std::copy(std::begin(o.fetch_tlb_), std::end(o.fetch_tlb_), fetch_tlb_);
  o.l1_.reset(new std::shared_ptr<Table>[kL1Entries]);
  o.page_count_ = 0;
  o.flush_all();
}

Memory& Memory::operator=(Memory&& o) noexcept {
  if (this == &o) return *this;
  l1_.swap(o.l1_);
  std::swap(page_count_, o.page_count_);
  std::swap(unmaps_, o.unmaps_);
  retired_.swap(o.retired_);
  std::swap(code_written_, o.code_written_);
  flush_all();
  o.flush_all();
  return *this;
}

Memory::~Memory() = default;

void Memory::flush_page(std::uint32_t page) const {
  read_tlb_[page & (kTlbSize - 1)] = TlbEntry{};
  write_tlb_[page & (kTlbSize - 1)] = TlbEntry{};
  fetch_tlb_[page & (kFetchTlbSize - 1)] = FetchEntry{};
}
void Memory::flush_all() const {
  std::fill(std::begin(read_tlb_), std::end(read_tlb_), TlbEntry{});
  flush_writes();
  std::fill(std::begin(fetch_tlb_), std::end(fetch_tlb_), FetchEntry{});
}
void Memory::flush_writes() const { std::fill(std::begin(write_tlb_), std::end(write_tlb_), TlbEntry{}); }

bool Memory::map(Addr start, std::uint32_t len, std::uint8_t perms) {
  if (len == 0) return true;
  std::uint64_t first = start >> kPageShift;
  std::uint64_t end = (static_cast<std::uint64_t>(start) + len + kPageSize - 1) >> kPageShift;
  if (end > (1ull << 20)) return false;
  perms &= PermRead | PermWrite | PermExec;
  for (std::uint64_t p = first; p < end; ++p) {
    auto page = static_cast<std::uint32_t>(p);
    auto& table = l1_[l1_index(page)];
    if (!table) table = std::make_shared<Table>();
    else if (table.use_count() > 1) table = std::make_shared<Table>(*table);
    auto& slot = table->pages[l2_index(page)];
    if (!slot) {
      slot = zero_page();
      ++page_count_;
    }
    table->perms[l2_index(page)] |= perms;
    flush_page(page);
  }
  return true;
}

void Memory::unmap(Addr start, std::uint32_t len) {
  std::uint64_t first = (static_cast<std::uint64_t>(start) + kPageSize - 1) >> kPageShift;
  std::uint64_t end = (static_cast<std::uint64_t>(start) + len) >> kPageShift;
  for (std::uint64_t p = first; p < end; ++p) {
    auto page = static_cast<std::uint32_t>(p);
    auto& table = l1_[l1_index(page)];
    if (!table || !table->pages[l2_index(page)]) continue;
    if (table.use_count() > 1) table = std::make_shared<Table>(*table);
    auto& slot = table->pages[l2_index(page)];
    // Sole owner: nobody else can attach a decoding meanwhile.
    if (slot.use_count() == 1 && slot->decoded.load(std::memory_order_relaxed) != nullptr)
      retired_.emplace_back(slot->decoded.exchange(nullptr, std::memory_order_acquire));
    slot.reset();
    table->perms[l2_index(page)] = 0;
    --page_count_;
    ++unmaps_;
    flush_page(page);
  }
}

bool Memory::is_mapped(Addr addr) const { return perms(addr) != 0 || host_ptr_const(addr >> kPageShift); }

std::uint8_t Memory::perms(Addr addr) const {
  std::uint32_t page = addr >> kPageShift;
  const auto& table = l1_[l1_index(page)];
  if (!table || !table->pages[l2_index(page)]) return 0;
  return table->perms[l2_index(page)];
}

const std::uint8_t* Memory::host_ptr_const(std::uint32_t page) const {
  const auto& table = l1_[l1_index(page)];
  if (!table) return nullptr;
  const auto& slot = table->pages[l2_index(page)];
  return slot ? slot->bytes : nullptr;
}

std::uint8_t* Memory::writable_page(std::uint32_t page) {
  auto& table = l1_[l1_index(page)];
  if (table.use_count() > 1) table = std::make_shared<Table>(*table);
  auto& slot = table->pages[l2_index(page)];
  if (slot.use_count() > 1) {
    // This Memory may be executing the shared decoded form (if it attached
    // it, this thread sees it; another thread's later attachment is not ours).
    if (slot->decoded.load(std::memory_order_relaxed) != nullptr) code_written_ = true;
    auto copy = std::make_shared<Page>();
    std::memcpy(copy->bytes, slot->bytes, kPageSize);
    slot = std::move(copy);
    flush_page(page);  // TLBs pointed at the shared original
  } else if (slot->decoded.load(std::memory_order_relaxed) != nullptr) {
    // Sole owner: no other thread can attach meanwhile. The interpreter may still point into it.
    retired_.emplace_back(slot->decoded.exchange(nullptr, std::memory_order_acquire));
    code_written_ = true;
    flush_page(page);
  }
  return slot->bytes;
}

bool Memory::read_bytes(Addr addr, std::span<std::uint8_t> out) const {
  std::uint64_t a = addr, end = a + out.size();
  if (end > (1ull << 32)) return false;
  std::size_t done = 0;
  while (a < end) {
    const std::uint8_t* p = host_ptr_const(static_cast<std::uint32_t>(a >> kPageShift));
    if (!p) return false;
    std::uint64_t chunk = std::min<std::uint64_t>(end - a, kPageSize - (a & (kPageSize - 1)));
    std::memcpy(out.data() + done, p + (a & (kPageSize - 1)), chunk);
    a += chunk;
    done += chunk;
  }
  return true;
}

bool Memory::write_bytes(Addr addr, std::span<const std::uint8_t> in) {
  std::uint64_t end = static_cast<std::uint64_t>(addr) + in.size();
  if (end > (1ull << 32)) return false;
  for (std::uint64_t a = addr & ~static_cast<std::uint64_t>(kPageSize - 1); a < end; a += kPageSize)
    if (!host_ptr_const(static_cast<std::uint32_t>(a >> kPageShift))) return false;
  std::uint64_t a = addr;
  std::size_t done = 0;
  while (a < end) {
    std::uint8_t* p = writable_page(static_cast<std::uint32_t>(a >> kPageShift));
    std::uint64_t chunk = std::min<std::uint64_t>(end - a, kPageSize - (a & (kPageSize - 1)));
    std::memcpy(p + (a & (kPageSize - 1)), in.data() + done, chunk);
    a += chunk;
    done += chunk;
  }
  code_written_ = false;  // not a guest store: no interpreter is running
  return true;
}

std::size_t Memory::page_count() const { return page_count_; }

const void* Memory::zero_page_identity() { return zero_page().get(); }

void Memory::for_each_page(const std::function<void(std::uint32_t, const void*)>& f) const {
  for (std::uint32_t i = 0; i < kL1Entries; ++i) {
    const auto& table = l1_[i];
    if (!table) continue;
    for (std::uint32_t j = 0; j < kTableEntries; ++j)
      if (table->pages[j]) f((i << 10) | j, table->pages[j].get());
  }
}

std::uint64_t Memory::hash() const {
  Hasher h;
  for (std::uint32_t i = 0; i < kL1Entries; ++i) {
    const auto& table = l1_[i];
    if (!table) continue;
    for (std::uint32_t j = 0; j < kTableEntries; ++j) {
      if (!table->pages[j]) continue;
      h.add((i << 10) | j);
      h.add(table->perms[j]);
      h.add_bytes(table->pages[j]->bytes, kPageSize);
    }
  }
  return h.value();
}

// ---- interpreter slow paths ----

bool Memory::Internals::load_slow(Memory& m, Addr addr, std::uint32_t size, std::uint32_t& out) {
  std::uint32_t v = 0;
  for (std::uint32_t i = 0; i < size; ++i) {
    Addr a = addr + i;
    std::uint32_t page = a >> kPageShift;
    if (!(m.perms(a) & PermRead)) return false;
    const std::uint8_t* p = m.host_ptr_const(page);
    v |= static_cast<std::uint32_t>(p[a & (kPageSize - 1)]) << (8 * i);
    m.read_tlb_[page & (kTlbSize - 1)] =
        TlbEntry{page << kPageShift, reinterpret_cast<std::uintptr_t>(p) - (page << kPageShift)};
  }
  out = v;
  return true;
}

bool Memory::Internals::store_slow(Memory& m, Addr addr, std::uint32_t size, std::uint32_t value) {
  for (std::uint32_t i = 0; i < size; ++i)  // check every page first: a faulting store writes nothing
    if (!(m.perms(addr + i) & PermWrite)) return false;
  for (std::uint32_t i = 0; i < size; ++i) {
    Addr a = addr + i;
    std::uint32_t page = a >> kPageShift;
    std::uint8_t* p = m.writable_page(page);
    p[a & (kPageSize - 1)] = static_cast<std::uint8_t>(value >> (8 * i));
    auto addend = reinterpret_cast<std::uintptr_t>(p) - (page << kPageShift);
    if (m.perms(a) & PermRead) m.read_tlb_[page & (kTlbSize - 1)] = TlbEntry{page << kPageShift, addend};
    m.write_tlb_[page & (kTlbSize - 1)] = TlbEntry{page << kPageShift, addend};
  }
  return true;
}

std::uint32_t* Memory::Internals::rw_word(Memory& m, Addr addr) {
  std::uint8_t pr = m.perms(addr);
  if ((pr & (PermRead | PermWrite)) != (PermRead | PermWrite)) return nullptr;
  std::uint8_t* p = m.writable_page(addr >> kPageShift);
  return reinterpret_cast<std::uint32_t*>(p + (addr & (kPageSize - 1)));
}

const DecodedOp* Memory::Internals::fetch_slow(Memory& m, Addr pc) {
  std::uint32_t page = pc >> kPageShift;
  if (!(m.perms(pc) & PermExec)) return nullptr;
  if (m.l1_[l1_index(page)]->pages[l2_index(page)] == zero_page()) m.writable_page(page);
  auto& slot = m.l1_[l1_index(page)]->pages[l2_index(page)];
  DecodedPage* decoded = slot->decoded.load(std::memory_order_acquire);
  if (decoded == nullptr) {
    static std::atomic<std::uint64_t> serials{0};
    auto fresh = std::make_unique<DecodedPage>();
    fresh->serial = serials.fetch_add(1, std::memory_order_relaxed) + 1;
    decode_page(slot->bytes, fresh->ops);
    // A copy of this machine on another thread may attach the same page's
    // decoding at the same moment: the first wins, the other uses it.
    if (slot->decoded.compare_exchange_strong(decoded, fresh.get(), std::memory_order_acq_rel,
                                              std::memory_order_acquire)) {
      decoded = fresh.release();
    }
    m.write_tlb_[page & (kTlbSize - 1)] = TlbEntry{};  // stores to code must see the slow path
  }
  m.fetch_tlb_[page & (kFetchTlbSize - 1)] = FetchEntry{page << kPageShift, decoded->ops};
  return decoded->ops;
}

bool Memory::Internals::fetch_half(Memory& m, Addr addr, std::uint16_t& out) {
  if (!(m.perms(addr) & PermExec) || !(m.perms(addr + 1) & PermExec)) return false;
  std::uint8_t b[2];
  if (!m.read_bytes(addr, b)) return false;
  out = static_cast<std::uint16_t>(b[0] | (b[1] << 8));
  return true;
}

bool Memory::Internals::has_decoded(const Memory& m, Addr addr) {
  std::uint32_t page = addr >> kPageShift;
  const auto& table = m.l1_[l1_index(page)];
  return table && table->pages[l2_index(page)] &&
         table->pages[l2_index(page)]->decoded.load(std::memory_order_relaxed) != nullptr;
}

}  // namespace rvrr::vm
