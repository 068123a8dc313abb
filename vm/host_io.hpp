// vm/host_io.hpp - the few host file operations every layer needs, written once.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace rvrr::vm {

// Writes every byte to `fd`, looping over short writes and EINTR.
// Returns 0, or the errno that stopped it.
int write_fully(int fd, std::span<const std::uint8_t> bytes);

// Guest output to the host: guest fd 2 goes to stderr, anything else to
// stdout. Best effort: a closed terminal or pipe is not the guest's concern.
void write_guest_output(int guest_fd, std::span<const std::uint8_t> bytes);

// Reads a whole file: a regular file in one bulk read, a pipe or device by
// streaming. On failure returns false with `error` set to one of the kinds
// below, and `error_number` to errno where there is one. `signature`: what
// the file must start with; a pipe or device that does not (/dev/zero,
// which never ends) is refused after those bytes (WrongStart) instead of
// being read for ever. A regular file is read whole (its reader says what
// is wrong with it).
enum class FileReadError : std::uint8_t { None, CannotOpen, IsDirectory, ReadFailed, WrongStart };
bool read_file_bytes(const std::string& path, std::vector<std::uint8_t>& out, FileReadError& error,
                     int& error_number, std::span<const std::uint8_t> signature = {});

}  // namespace rvrr::vm
