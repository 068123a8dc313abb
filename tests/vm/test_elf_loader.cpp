// tests/vm/test_elf_loader.cpp - the ELF loader on valid and hostile inputs.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tests/vm/elf_builder.hpp"
#include "vm/elf_loader.hpp"
#include "vm/memory.hpp"

using namespace rvrr::vm;
using namespace rvrr::test;

namespace {

std::vector<std::uint8_t> valid_elf(ElfLayout* layout = nullptr) {
  TestSegment text{.vaddr = 0x10000, .paddr = 0x10000, .flags = 5, .data = {0x13, 0, 0, 0, 0x73, 0, 0x10, 0}};
  TestSegment data{.vaddr = 0x20000, .paddr = 0x11000, .flags = 6, .data = {1, 2, 3, 4}, .memsz = 0x100};
  return build_elf(0x10000, {text, data}, {{"main", 0x10004}, {"__stack", 0x28000}, {"undef", 0, 0}}, layout);
}

std::string error_of(const std::vector<std::uint8_t>& bytes) {
  ElfLoadResult r = load_elf(bytes);
  CHECK_FALSE(r.image.has_value());
  return r.error;
}

}  // namespace

TEST_CASE("elf loader: a valid tiny executable") {
  const auto bytes = valid_elf();
  ElfLoadResult r = load_elf(bytes);
  REQUIRE_MESSAGE(r.image, r.error);
  const ElfImage& img = *r.image;
  CHECK(img.entry == 0x10000);
  REQUIRE(img.segments.size() == 2);
  CHECK(img.segments[0].vaddr == 0x10000);
  CHECK(img.segments[0].perms == (PermRead | PermExec));
  CHECK(img.segments[0].bytes == std::vector<std::uint8_t>{0x13, 0, 0, 0, 0x73, 0, 0x10, 0});
  CHECK(img.segments[1].vaddr == 0x20000);
  CHECK(img.segments[1].paddr == 0x11000);
  CHECK(img.segments[1].memsz == 0x100);
  CHECK(img.segments[1].perms == (PermRead | PermWrite));
  CHECK(img.segments[1].bytes.size() == 4);
  CHECK(img.symbol("main") == std::optional<Addr>(0x10004));
  CHECK(img.symbol("__stack") == std::optional<Addr>(0x28000));
  CHECK_FALSE(img.symbol("undef"));  // undefined symbols are not listed
  CHECK_FALSE(img.symbol("nope"));
}

TEST_CASE("elf loader: a stripped executable has no symbols") {
  const auto bytes = build_elf(0x10000, {TestSegment{.data = {0x13, 0, 0, 0}}});
  ElfLoadResult r = load_elf(bytes);
  REQUIRE_MESSAGE(r.image, r.error);
  CHECK(r.image->symbols.empty());
}

TEST_CASE("elf loader: not an ELF file") {
  CHECK(error_of({}) == "not an ELF file");
  const std::string text = "#!/bin/sh\necho hi\n";
  CHECK(error_of(std::vector<std::uint8_t>(text.begin(), text.end())) == "not an ELF file");
}

TEST_CASE("elf loader: ELF64, big-endian and wrong machine") {
  auto b = valid_elf();
  b[4] = 2;  // an ELF32 file read as ELF64 (RV64 is supported): its fields no longer make sense
  CHECK_FALSE(error_of(b).empty());
  b[4] = 3;
  CHECK(error_of(b) == "unknown ELF class 3");
  b = valid_elf();
  b[5] = 2;
  CHECK(error_of(b).find("big-endian") != std::string::npos);
  b = valid_elf();
  put16(b, 18, 62);  // x86-64
  CHECK(error_of(b) == "not a RISC-V program (e_machine 62)");
  b = valid_elf();
  put16(b, 16, 3);  // ET_DYN
  CHECK(error_of(b).find("ET_DYN") != std::string::npos);
  b = valid_elf();
  put16(b, 16, 1);  // ET_REL
  CHECK(error_of(b).find("not an executable") != std::string::npos);
}

TEST_CASE("elf loader: truncated header and tables") {
  auto b = valid_elf();
  b.resize(30);
  CHECK(error_of(b).find("truncated ELF header") != std::string::npos);

  b = valid_elf();
  put32(b, 28, static_cast<std::uint32_t>(b.size() - 8));  // e_phoff near EOF
  CHECK(error_of(b).find("program header table") != std::string::npos);

  b = valid_elf();
  put32(b, 28, 0xfffffff0u);  // e_phoff + size overflows 32 bits
  CHECK(error_of(b).find("program header table") != std::string::npos);

  b = valid_elf();
  put16(b, 44, 0);
  CHECK(error_of(b).find("no program headers") != std::string::npos);

  b = valid_elf();
  put16(b, 42, 16);  // e_phentsize too small
  CHECK(error_of(b).find("too small") != std::string::npos);
}

TEST_CASE("elf loader: bad segments") {
  const std::size_t ph1 = 52 + 32;  // second program header
  auto b = valid_elf();
  put32(b, ph1 + 4, static_cast<std::uint32_t>(b.size() - 2));  // p_offset: file range past EOF
  CHECK(error_of(b).find("extends past the end of the file") != std::string::npos);

  b = valid_elf();
  put32(b, ph1 + 4, 0xfffffffeu);  // p_offset + p_filesz wraps 32 bits
  CHECK(error_of(b).find("extends past the end of the file") != std::string::npos);

  b = valid_elf();
  put32(b, ph1 + 20, 2);  // memsz < filesz (4)
  CHECK(error_of(b).find("exceeds memory size") != std::string::npos);

  b = valid_elf();
  put32(b, ph1 + 20, 0x50000000u);  // 1.25 GiB
  CHECK(error_of(b).find("absurdly large") != std::string::npos);

  b = valid_elf();
  put32(b, ph1 + 8, 0xffffff80u);  // vaddr + memsz (0x100) wraps past 4 GiB
  CHECK(error_of(b).find("wraps past the 4 GiB") != std::string::npos);

  b = valid_elf();
  put32(b, 52, 4);       // PT_NOTE
  put32(b, ph1, 6);      // PT_PHDR
  CHECK(error_of(b) == "no loadable (PT_LOAD) segments");
}

TEST_CASE("elf loader: bad section and symbol tables") {
  ElfLayout layout;
  auto b = valid_elf(&layout);
  put32(b, 32, static_cast<std::uint32_t>(b.size() - 20));  // e_shoff near EOF
  CHECK(error_of(b).find("section header table") != std::string::npos);

  b = valid_elf(&layout);
  put32(b, layout.symtab_shdr + 16, 0xfffffff0u);  // symtab offset past EOF
  CHECK(error_of(b).find("symbol table extends past") != std::string::npos);

  b = valid_elf(&layout);
  put32(b, layout.symtab_shdr + 24, 9);  // sh_link to a missing section
  CHECK(error_of(b).find("missing string table") != std::string::npos);

  b = valid_elf(&layout);
  put32(b, layout.shoff + 80 + 20, 0x7fffffffu);  // strtab size past EOF
  CHECK(error_of(b).find("string table extends past") != std::string::npos);
}

TEST_CASE("elf loader: every truncation and many corruptions fail cleanly") {
  const auto good = valid_elf();
  for (std::size_t n = 0; n < good.size(); ++n) {
    std::vector<std::uint8_t> b(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
    ElfLoadResult r = load_elf(b);
    // A prefix may still be loadable (e.g. cut inside trailing tables is an
    // error, cut inside nothing is not possible here); it must never crash
    // and must always explain a failure.
    if (!r.image) CHECK_FALSE(r.error.empty());
  }
  std::uint64_t seed = 12345;
  for (int i = 0; i < 3000; ++i) {
    auto b = good;
    for (int k = 0; k < 4; ++k) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      b[(seed >> 33) % b.size()] = static_cast<std::uint8_t>(seed >> 13);
    }
    ElfLoadResult r = load_elf(b);
    CHECK((r.image.has_value() || !r.error.empty()));
  }
}

TEST_CASE("elf loader: files") {
  ElfLoadResult r = load_elf_file("/nonexistent/rvrr/prog.elf");
  REQUIRE_FALSE(r.image);
  CHECK(r.error.find("cannot open '/nonexistent/rvrr/prog.elf'") != std::string::npos);
  CHECK(r.error.find("No such file") != std::string::npos);

  r = load_elf_file("/tmp");
  REQUIRE_FALSE(r.image);
  CHECK(r.error.find("is a directory") != std::string::npos);

  const auto dir = std::filesystem::temp_directory_path() / ("rvrr_elf_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto good_path = (dir / "good.elf").string();
  const auto bad_path = (dir / "bad.elf").string();
  {
    const auto bytes = valid_elf();
    std::ofstream(good_path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                     static_cast<std::streamsize>(bytes.size()));
    std::ofstream(bad_path, std::ios::binary) << "hello";
  }
  r = load_elf_file(good_path);
  CHECK_MESSAGE(r.image, r.error);
  r = load_elf_file(bad_path);
  REQUIRE_FALSE(r.image);
  CHECK(r.error == bad_path + ": not an ELF file");
  if (::geteuid() != 0) {  // root reads anything
    std::filesystem::permissions(good_path, std::filesystem::perms::none);
    r = load_elf_file(good_path);
    CHECK_FALSE(r.image);
    CHECK(r.error.find("cannot read") != std::string::npos);
  }
  std::filesystem::remove_all(dir);
}
