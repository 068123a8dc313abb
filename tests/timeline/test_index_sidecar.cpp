// tests/timeline/test_index_sidecar.cpp - TRACE.idx: saved, loaded, and never trusted blindly.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "timeline/index_sidecar.hpp"
#include "timeline_fixture.hpp"

using namespace rvrr;
using namespace rvrr::timeline;
using namespace rvrr::trace;
using namespace rvrr::timeline::test;

namespace {

constexpr std::uint64_t kSpan = 50000;

// A history of ~1.2M instructions whose every stretch is indexed (a reverse
// scan to the set-up code ran over all of it).
struct Indexed {
  Guest g = make_guest(200000, true);
  Rig rig;
  Indexed() : rig(g, options()) {
    REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
    rig.t().add_breakpoint(kCode + 8);
    REQUIRE(rig.cont(Direction::Backward).kind() == StopKind::Breakpoint);
    rig.t().remove_breakpoint(kCode + 8);
    REQUIRE(rig.t().stats().indexed_stretches > 10);
  }
  static TimelineOptions options() {
    TimelineOptions o;
    o.checkpoint_interval = kSpan;
    return o;
  }
};

IndexSidecarKey key_of(std::uint8_t seed) {
  Sha256Digest h{};
  for (std::size_t i = 0; i < h.size(); ++i) h[i] = static_cast<std::uint8_t>(seed + i);
  return sidecar_key(h, kSpan);
}

std::string rejection(std::span<const std::uint8_t> bytes, const IndexSidecarKey& key) {
  auto r = decode_index_sidecar(bytes, key);
  return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string();
}

}  // namespace

TEST_CASE("a sidecar round-trips every stretch exactly") {
  Indexed x;
  const IndexSidecarKey key = key_of(1);
  const std::vector<std::uint8_t> bytes = encode_index_sidecar(key, x.rig.t().index());
  auto decoded = decode_index_sidecar(bytes, key);
  REQUIRE(std::holds_alternative<std::vector<IndexedStretch>>(decoded));
  const auto& got = std::get<std::vector<IndexedStretch>>(decoded);
  REQUIRE(got.size() == x.rig.t().index().stretches());
  std::size_t i = 0;
  x.rig.t().index().for_each([&](const IndexedStretch& s) {
    CAPTURE(i);
    CHECK(got[i].from == s.from);
    CHECK(got[i].to == s.to);
    CHECK(got[i].code == s.code);
    CHECK(got[i].written == s.written);
    CHECK(got[i].read == s.read);
    CHECK(got[i].unmapped == s.unmapped);
    CHECK(got[i].host_calls == s.host_calls);
    ++i;
  });
  // Bounded: well under 1% of the instructions, in bytes.
  CHECK(bytes.size() < x.rig.t().stats().history_end / 100);
}

TEST_CASE("a sidecar for another trace, version, build or span, or with any byte changed, is rejected") {
  Indexed x;
  const IndexSidecarKey key = key_of(1);
  const std::vector<std::uint8_t> good = encode_index_sidecar(key, x.rig.t().index());
  REQUIRE(rejection(good, key).empty());

  CHECK(rejection(good, key_of(2)).find("stale") != std::string::npos);  // another trace's hash
  IndexSidecarKey other_build = key;
  other_build.rvrr_version += "-other";
  CHECK(rejection(good, other_build).find("stale") != std::string::npos);
  IndexSidecarKey other_span = key;
  other_span.span = kSpan * 2;
  CHECK_FALSE(rejection(good, other_span).empty());

  std::vector<std::uint8_t> version = good;
  version[9] = 3;  // format version 3 does not exist yet
  CHECK(rejection(version, key).find("version") != std::string::npos);

  // Every single-byte change anywhere is caught (magic, framing, payload, checksum).
  for (std::size_t at = 0; at < good.size(); at += 1 + at / 64) {
    CAPTURE(at);
    std::vector<std::uint8_t> bad = good;
    bad[at] ^= 0x5a;
    CHECK_FALSE(rejection(bad, key).empty());
  }
  // Cut anywhere, or grown.
  for (std::size_t len : {std::size_t{0}, std::size_t{5}, std::size_t{13}, good.size() / 2, good.size() - 1}) {
    CAPTURE(len);
    CHECK_FALSE(rejection(std::span(good).first(len), key).empty());
  }
  std::vector<std::uint8_t> longer = good;
  longer.push_back(0);
  CHECK_FALSE(rejection(longer, key).empty());
}

TEST_CASE("a well-checksummed sidecar with an impossible stretch is rejected, and so is one that does not fit the history") {
  Indexed x;
  const IndexSidecarKey key = key_of(1);
  RecordingIndex lying(kSpan);
  IndexedStretch s;
  s.from = 3 * kSpan;
  s.to = s.from + kSpan;
  s.code = {{0x10020, 0x10010}};  // ends before it starts
  lying.add(s);
  CHECK(rejection(encode_index_sidecar(key, lying), key).find("corrupt") != std::string::npos);

  // Well-formed, but not this history's: the short last stretch of another length.
  RecordingIndex other(kSpan);
  IndexedStretch t;
  const std::uint64_t end = x.rig.t().stats().history_end;
  t.from = (end / kSpan) * kSpan;
  t.to = t.from + (end - t.from) / 2;
  REQUIRE(t.to > t.from);
  other.add(t);
  auto decoded = decode_index_sidecar(encode_index_sidecar(key, other), key);
  REQUIRE(std::holds_alternative<std::vector<IndexedStretch>>(decoded));
  Rig fresh(x.g, Indexed::options());
  REQUIRE(fresh.cont().kind() == StopKind::HistoryEnd);
  CHECK_FALSE(fresh.t().adopt_index(std::get<std::vector<IndexedStretch>>(std::move(decoded))));
  CHECK(fresh.t().stats().indexed_stretches == 0);
}

TEST_CASE("an adopted index answers a far reverse-continue as the first session's did, re-running only what may hit") {
  Indexed x;
  const IndexSidecarKey key = key_of(7);
  const std::filesystem::path path = std::filesystem::temp_directory_path() / "rvrr-test-sidecar.idx";
  REQUIRE_FALSE(write_index_sidecar(path.string(), key, x.rig.t().index()));
  auto loaded = read_index_sidecar(path.string(), key);
  std::filesystem::remove(path);
  REQUIRE(std::holds_alternative<std::vector<IndexedStretch>>(loaded));

  Rig fresh(x.g, Indexed::options());
  REQUIRE(fresh.cont().kind() == StopKind::HistoryEnd);
  REQUIRE(fresh.t().adopt_index(std::get<std::vector<IndexedStretch>>(std::move(loaded))));
  CHECK(fresh.t().stats().indexed_stretches == x.rig.t().stats().indexed_stretches);
  // A line of the set-up code: only the first stretch can hold it.
  fresh.t().add_breakpoint(kCode + 4);
  const std::uint64_t before = fresh.t().stats().instructions_executed;
  StopEvent e = fresh.cont(Direction::Backward);
  CHECK(e.kind() == StopKind::Breakpoint);
  CHECK(e.icount() == 1);
  CHECK(fresh.t().stats().instructions_executed - before <= kSpan + 2);
}

TEST_CASE("a sidecar that cannot be written is an error message, and a missing one is 'none'") {
  Indexed x;
  const IndexSidecarKey key = key_of(1);
  auto error = write_index_sidecar("/nonexistent-dir-rvrr/trace.rvrr.idx", key, x.rig.t().index());
  REQUIRE(error);
  CHECK(error->find("cannot write") != std::string::npos);
  auto r = read_index_sidecar("/nonexistent-dir-rvrr/trace.rvrr.idx", key);
  REQUIRE(std::holds_alternative<std::string>(r));
  CHECK(std::get<std::string>(r) == "none");
  CHECK(sidecar_path("/a/b.rvrr") == "/a/b.rvrr.idx");
}

TEST_CASE("an RV64 stretch round-trips whole: code above 4 GiB, written pages near 256 GiB") {
  // Version 1 kept code ranges in 32 bits and took page numbers of 2^20 and
  // up for corrupt: every RV64 trace's sidecar (its stack lies just below
  // 256 GiB) was thrown away and rebuilt.
  const IndexSidecarKey key = key_of(1);
  RecordingIndex index(kSpan);
  IndexedStretch s;
  s.from = 0;
  s.to = kSpan;
  s.code = {{0x10000, 0x10400}, {0x2'0000'0500, 0x2'0000'0a00}, {0x3f'ffff'0000, 0x3f'ffff'0010}};
  s.written = {0x10, 0x20'0064, 0x3ff'ffff};
  s.read = {0x64, 0xfffff};
  s.host_calls = true;
  index.add(s);
  auto decoded = decode_index_sidecar(encode_index_sidecar(key, index), key);
  REQUIRE(std::holds_alternative<std::vector<IndexedStretch>>(decoded));
  const auto& got = std::get<std::vector<IndexedStretch>>(decoded);
  REQUIRE(got.size() == 1);
  CHECK(got[0].code == s.code);
  CHECK(got[0].written == s.written);
  CHECK(got[0].read == s.read);
  CHECK(got[0].may_execute(0x2'0000'0500));
  CHECK_FALSE(got[0].may_execute(0x2'0000'0a00));
  CHECK_FALSE(got[0].may_execute(0x1'0000'0500));  // not the same code 4 GiB lower

  IndexedStretch bad = s;
  bad.read = {0x10'0000};  // a read bit is a page number modulo 2^20
  RecordingIndex lying(kSpan);
  lying.add(bad);
  CHECK(rejection(encode_index_sidecar(key, lying), key).find("corrupt") != std::string::npos);
}
