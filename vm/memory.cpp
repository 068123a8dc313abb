// vm/memory.cpp - paged copy-on-write memory, its TLBs and page decoding.
#include "vm/memory.hpp"

#include <algorithm>
#include <atomic>

#include "vm/exec_trace.hpp"
#include "vm/hash.hpp"
#include "vm/memory_internals.hpp"

namespace rvrr::vm {
namespace {
constexpr std::uint64_t chunk_of(std::uint64_t page) { return page >> 20; }
constexpr std::uint32_t l1_index(std::uint64_t page) { return static_cast<std::uint32_t>(page >> 10) & 1023; }
constexpr std::uint32_t l2_index(std::uint64_t page) { return static_cast<std::uint32_t>(page) & 1023; }
constexpr std::uint64_t kPagesInSpace = std::uint64_t{1} << (64 - kPageShift);

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

Memory::Memory() = default;

Memory::Memory(const Memory& o) : low_(o.low_), high_(o.high_), page_count_(o.page_count_), unmaps_(o.unmaps_) {
  o.flush_writes();  // its pages are shared now: its next write must clone
}

Memory& Memory::operator=(const Memory& o) {
  if (this == &o) return *this;
  low_ = o.low_;
  high_ = o.high_;
  page_count_ = o.page_count_;
  unmaps_ = o.unmaps_;
  flush_all();
  o.flush_writes();
  return *this;
}

Memory::Memory(Memory&& o) noexcept
    : low_(std::move(o.low_)), high_(std::move(o.high_)), page_count_(o.page_count_), unmaps_(o.unmaps_),
      retired_(std::move(o.retired_)), code_written_(o.code_written_) {
  std::copy(std::begin(o.read_tlb_), std::end(o.read_tlb_), read_tlb_);
  std::copy(std::begin(o.write_tlb_), std::end(o.write_tlb_), write_tlb_);
  std::copy(std::begin(o.fetch_tlb_), std::end(o.fetch_tlb_), fetch_tlb_);
  o.low_.reset();
  o.high_.clear();
  o.page_count_ = 0;
  o.flush_all();
}

Memory& Memory::operator=(Memory&& o) noexcept {
  if (this == &o) return *this;
  low_.swap(o.low_);
  high_.swap(o.high_);
  std::swap(page_count_, o.page_count_);
  std::swap(unmaps_, o.unmaps_);
  retired_.swap(o.retired_);
  std::swap(code_written_, o.code_written_);
  flush_all();
  o.flush_all();
  return *this;
}

Memory::~Memory() = default;

void Memory::flush_page(std::uint64_t page) const {
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

const Memory::Table* Memory::table_of(std::uint64_t page) const {
  const std::uint64_t chunk = chunk_of(page);
  const Dir* dir = nullptr;
  if (chunk == 0) {
    dir = low_.get();
  } else {
    auto it = std::lower_bound(high_.begin(), high_.end(), chunk,
                               [](const auto& entry, std::uint64_t c) { return entry.first < c; });
    if (it != high_.end() && it->first == chunk) dir = it->second.get();
  }
  return dir ? dir->tables[l1_index(page)].get() : nullptr;
}

Memory::Table* Memory::own_table(std::uint64_t page, bool create) {
  const std::uint64_t chunk = chunk_of(page);
  std::shared_ptr<Dir>* dir = nullptr;
  if (chunk == 0) {
    dir = &low_;
  } else {
    auto it = std::lower_bound(high_.begin(), high_.end(), chunk,
                               [](const auto& entry, std::uint64_t c) { return entry.first < c; });
    if (it != high_.end() && it->first == chunk) dir = &it->second;
    else if (create) dir = &high_.insert(it, {chunk, nullptr})->second;
    else return nullptr;
  }
  if (!*dir) {
    if (!create) return nullptr;
    *dir = std::make_shared<Dir>();
  } else if (dir->use_count() > 1) {
    *dir = std::make_shared<Dir>(**dir);  // before the table test: the copy shares its tables
  }
  auto& table = (*dir)->tables[l1_index(page)];
  if (!table) {
    if (!create) return nullptr;
    table = std::make_shared<Table>();
  } else if (table.use_count() > 1) {
    table = std::make_shared<Table>(*table);
  }
  return table.get();
}

bool Memory::map(Addr start, std::uint64_t len, std::uint8_t perms) {
  if (len == 0) return true;
  if (len - 1 > ~start) return false;  // wraps past the top of the space
  const std::uint64_t first = start >> kPageShift;
  const std::uint64_t last = (start + (len - 1)) >> kPageShift;  // inclusive: the top page has no end
  perms &= PermRead | PermWrite | PermExec;
  for (std::uint64_t page = first;; ++page) {
    Table* table = own_table(page, true);
    auto& slot = table->pages[l2_index(page)];
    if (!slot) {
      slot = zero_page();
      ++page_count_;
    }
    table->perms[l2_index(page)] |= perms;
    flush_page(page);
    if (page == last) break;
  }
  return true;
}

void Memory::unmap(Addr start, std::uint64_t len) {
  const std::uint64_t end_addr = len > ~start ? ~std::uint64_t{0} : start + len;
  const std::uint64_t first = start % kPageSize ? (start >> kPageShift) + 1 : start >> kPageShift;
  const std::uint64_t end = end_addr >> kPageShift;  // exclusive (the very top page never unmaps)
  for (std::uint64_t page = first; page < end && page < kPagesInSpace; ++page) {
    const Table* seen = table_of(page);
    if (!seen) {
      page = ((page >> 10) << 10) + 1023;  // skip the whole missing table
      continue;
    }
    if (!seen->pages[l2_index(page)]) continue;
    Table* table = own_table(page, false);
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
  const std::uint64_t page = addr >> kPageShift;
  const Table* table = table_of(page);
  if (!table || !table->pages[l2_index(page)]) return 0;
  return table->perms[l2_index(page)];
}

const std::uint8_t* Memory::host_ptr_const(std::uint64_t page) const {
  const Table* table = table_of(page);
  if (!table) return nullptr;
  const auto& slot = table->pages[l2_index(page)];
  return slot ? slot->bytes : nullptr;
}

std::uint8_t* Memory::writable_page(std::uint64_t page) {
  Table* table = own_table(page, false);
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
  if (out.empty()) return true;
  if (out.size() - 1 > ~addr) return false;  // wraps past the top of the space
  std::uint64_t a = addr, left = out.size();
  std::size_t done = 0;
  while (left) {
    const std::uint8_t* p = host_ptr_const(a >> kPageShift);
    if (!p) return false;
    std::uint64_t chunk = std::min<std::uint64_t>(left, kPageSize - (a & (kPageSize - 1)));
    std::memcpy(out.data() + done, p + (a & (kPageSize - 1)), chunk);
    a += chunk;
    done += chunk;
    left -= chunk;
  }
  return true;
}

std::optional<bool> Memory::range_differs(const Memory& other, Addr addr, std::uint64_t len) const {
  if (len == 0 || len - 1 > ~addr) return std::nullopt;
  const std::uint64_t first = addr >> kPageShift, last = (addr + (len - 1)) >> kPageShift;
  // Mapped in both first (as read_bytes on each would require), then compared.
  for (std::uint64_t page = first; page <= last; ++page)
    if (!host_ptr_const(page) || !other.host_ptr_const(page)) return std::nullopt;
  for (std::uint64_t page = first; page <= last; ++page) {
    const std::uint8_t* a = host_ptr_const(page);
    const std::uint8_t* b = other.host_ptr_const(page);
    if (a == b) continue;  // one shared page
    const std::uint64_t from = page == first ? (addr & (kPageSize - 1)) : 0;
    const std::uint64_t to = page == last ? ((addr + (len - 1)) & (kPageSize - 1)) + 1 : kPageSize;
    if (std::memcmp(a + from, b + from, to - from) != 0) return true;
  }
  return false;
}

bool Memory::write_bytes(Addr addr, std::span<const std::uint8_t> in) {
  if (in.empty()) return true;
  if (in.size() - 1 > ~addr) return false;  // wraps past the top of the space
  const std::uint64_t first = addr >> kPageShift, last = (addr + (in.size() - 1)) >> kPageShift;
  for (std::uint64_t page = first; page <= last; ++page)
    if (!host_ptr_const(page)) return false;
  std::uint64_t a = addr, left = in.size();
  std::size_t done = 0;
  while (left) {
    std::uint8_t* p = writable_page(a >> kPageShift);
    std::uint64_t chunk = std::min<std::uint64_t>(left, kPageSize - (a & (kPageSize - 1)));
    std::memcpy(p + (a & (kPageSize - 1)), in.data() + done, chunk);
    a += chunk;
    done += chunk;
    left -= chunk;
  }
  code_written_ = false;  // not a guest store: no interpreter is running
  return true;
}

std::size_t Memory::page_count() const { return page_count_; }

const void* Memory::zero_page_identity() { return zero_page().get(); }

void Memory::for_each_page(const std::function<void(std::uint64_t, const void*)>& f) const {
  auto walk = [&](std::uint64_t chunk, const Dir* dir) {
    if (!dir) return;
    for (std::uint32_t i = 0; i < kTableEntries; ++i) {
      const auto& table = dir->tables[i];
      if (!table) continue;
      for (std::uint32_t j = 0; j < kTableEntries; ++j)
        if (table->pages[j]) f((chunk << 20) | (i << 10) | j, table->pages[j].get());
    }
  };
  walk(0, low_.get());
  for (const auto& [chunk, dir] : high_) walk(chunk, dir.get());
}

void Memory::for_each_difference(const Memory& base, const std::function<void(std::uint64_t)>& f) const {
  auto walk = [&](std::uint64_t chunk, const Dir* was, const Dir* is) {
    if (was == is) return;
    for (std::uint32_t i = 0; i < kTableEntries; ++i) {
      const Table* a = was ? was->tables[i].get() : nullptr;
      const Table* b = is ? is->tables[i].get() : nullptr;
      if (a == b) continue;
      for (std::uint32_t j = 0; j < kTableEntries; ++j) {
        const Page* pa = a ? a->pages[j].get() : nullptr;
        const Page* pb = b ? b->pages[j].get() : nullptr;
        const std::uint8_t perms_a = pa ? a->perms[j] : 0, perms_b = pb ? b->perms[j] : 0;
        if (pa != pb || perms_a != perms_b) f((chunk << 20) | (i << 10) | j);
      }
    }
  };
  walk(0, base.low_.get(), low_.get());
  // The high chunks of both, merged by chunk number.
  std::size_t i = 0, j = 0;
  while (i < base.high_.size() || j < high_.size()) {
    if (j == high_.size() || (i < base.high_.size() && base.high_[i].first < high_[j].first)) {
      walk(base.high_[i].first, base.high_[i].second.get(), nullptr);
      ++i;
    } else if (i == base.high_.size() || high_[j].first < base.high_[i].first) {
      walk(high_[j].first, nullptr, high_[j].second.get());
      ++j;
    } else {
      walk(high_[j].first, base.high_[i].second.get(), high_[j].second.get());
      ++i;
      ++j;
    }
  }
}

std::uint64_t Memory::hash() const {
  // Page numbers hash as 64-bit values: an RV32 state hashes as before.
  Hasher h;
  for_each_page([&](std::uint64_t page, const void*) {
    const Table* table = table_of(page);
    h.add(page);
    h.add(table->perms[l2_index(page)]);
    h.add_bytes(table->pages[l2_index(page)]->bytes, kPageSize);
  });
  return h.value();
}

// ---- interpreter slow paths ----

bool Memory::Internals::load_slow(Memory& m, Addr addr, std::uint32_t size, std::uint32_t& out) {
  std::uint32_t v = 0;
  for (std::uint32_t i = 0; i < size; ++i) {
    Addr a = addr + i;
    const std::uint64_t page = a >> kPageShift;
    if (!(m.perms(a) & PermRead)) return false;
    const std::uint8_t* p = m.host_ptr_const(page);
    v |= static_cast<std::uint32_t>(p[a & (kPageSize - 1)]) << (8 * i);
    if (m.read_marks_ != nullptr) mark_read_page(m.read_marks_, a);
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
    const std::uint64_t page = a >> kPageShift;
    std::uint8_t* p = m.writable_page(page);
    p[a & (kPageSize - 1)] = static_cast<std::uint8_t>(value >> (8 * i));
    auto addend = reinterpret_cast<std::uintptr_t>(p) - (page << kPageShift);
    // While reads are observed a store does not fill the read TLB: the
    // page's next load must miss it to be seen.
    if ((m.perms(a) & PermRead) && m.read_marks_ == nullptr)
      m.read_tlb_[page & (kTlbSize - 1)] = TlbEntry{page << kPageShift, addend};
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
  const std::uint64_t page = pc >> kPageShift;
  if (!(m.perms(pc) & PermExec)) return nullptr;
  if (m.table_of(page)->pages[l2_index(page)] == zero_page()) m.writable_page(page);
  // Attaching a decoding writes the page object, not the table: a shared table is fine.
  const auto& slot = m.table_of(page)->pages[l2_index(page)];
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
  const std::uint64_t page = addr >> kPageShift;
  const Table* table = m.table_of(page);
  return table && table->pages[l2_index(page)] &&
         table->pages[l2_index(page)]->decoded.load(std::memory_order_relaxed) != nullptr;
}

}  // namespace rvrr::vm
