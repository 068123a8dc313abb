// vm/host_io.cpp - see host_io.hpp.
#include "vm/host_io.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <iterator>

namespace rvrr::vm {

int write_fully(int fd, std::span<const std::uint8_t> bytes) {
  const std::uint8_t* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return 0;
}

void write_guest_output(int guest_fd, std::span<const std::uint8_t> bytes) {
  (void)write_fully(guest_fd == 2 ? 2 : 1, bytes);
}

bool read_file_bytes(const std::string& path, std::vector<std::uint8_t>& out, FileReadError& error,
                     int& error_number, std::span<const std::uint8_t> signature) {
  error = FileReadError::None;
  error_number = 0;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    error = FileReadError::CannotOpen;
    error_number = errno;
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    error = FileReadError::IsDirectory;
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = FileReadError::CannotOpen;
    error_number = errno;
    return false;
  }
  // One bulk read (istreambuf_iterator goes byte by byte: slow for big traces).
  out.clear();
  if (S_ISREG(st.st_mode)) {
    out.resize(static_cast<std::size_t>(st.st_size));
    in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size()));
    out.resize(static_cast<std::size_t>(in.gcount()));
  } else {  // a pipe or device: no size known in advance
    // The signature first: the start of a short file must match as far as it goes.
    out.resize(signature.size());
    in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size()));
    out.resize(static_cast<std::size_t>(in.gcount()));
    if (!std::equal(out.begin(), out.end(), signature.begin())) {
      error = FileReadError::WrongStart;
      return false;
    }
    if (out.size() == signature.size())
      out.insert(out.end(), std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (in.bad()) {
    error = FileReadError::ReadFailed;
    return false;
  }
  return true;
}

}  // namespace rvrr::vm
