// trace/host_call_text.cpp - host calls as text.
#include "trace/host_call_text.hpp"

#include <cstdio>
#include <sstream>

namespace rvrr::trace {

std::string host_call_name(vm::HostOp op) {
  switch (op) {
    case vm::HostOp::Open: return "open";
    case vm::HostOp::Close: return "close";
    case vm::HostOp::Read: return "read";
    case vm::HostOp::Seek: return "lseek";
    case vm::HostOp::FileSize: return "filesize";
    case vm::HostOp::IsTty: return "isatty";
    case vm::HostOp::Random: return "getrandom";
  }
  return "host-op-" + std::to_string(static_cast<unsigned>(op));
}

namespace {

std::string handle_text(std::int64_t handle) {
  if (handle >= 0 && handle <= 2) return "fd " + std::to_string(handle);
  return "host file " + std::to_string(handle);
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u >= 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

const char* whence_text(std::int64_t whence) {
  switch (whence) {
    case 0: return "SEEK_SET";
    case 1: return "SEEK_CUR";
    case 2: return "SEEK_END";
  }
  return nullptr;
}

}  // namespace

std::string describe_request(const vm::HostRequest& r) {
  std::ostringstream os;
  os << host_call_name(r.op) << '(';
  switch (r.op) {
    case vm::HostOp::Open:
      os << quoted(r.path) << ", flags 0x" << std::hex << r.arg0 << std::dec;
      break;
    case vm::HostOp::Close:
    case vm::HostOp::FileSize:
    case vm::HostOp::IsTty:
      os << handle_text(r.handle);
      break;
    case vm::HostOp::Read:
      os << handle_text(r.handle) << ", " << r.arg0 << (r.arg0 == 1 ? " byte" : " bytes");
      break;
    case vm::HostOp::Seek: {
      os << handle_text(r.handle) << ", offset " << r.arg0 << ", ";
      if (const char* w = whence_text(r.arg1)) os << w;
      else os << "whence " << r.arg1;
      break;
    }
    case vm::HostOp::Random:
      os << r.arg0 << (r.arg0 == 1 ? " byte" : " bytes");
      break;
    default:
      os << "handle " << r.handle << ", " << r.arg0 << ", " << r.arg1;
      break;
  }
  os << ')';
  return os.str();
}

std::string divergence_text(std::uint64_t icount, const vm::HostRequest* recorded,
                            const vm::HostRequest& asked) {
  std::ostringstream os;
  os << "divergence at instruction " << icount << ": the trace has ";
  if (recorded) os << describe_request(*recorded) << " here";
  else os << "no host call here";
  os << ", the program asked for " << describe_request(asked);
  return os.str();
}

std::string group_digits(std::uint64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  int n = static_cast<int>(digits.size());
  for (int i = 0; i < n; ++i) {
    out += digits[i];
    int left = n - 1 - i;
    if (left > 0 && left % 3 == 0) out += ',';
  }
  return out;
}

std::string human_bytes(std::uint64_t bytes) {
  char buf[48];
  const double b = static_cast<double>(bytes);
  if (bytes >= (1ull << 30)) std::snprintf(buf, sizeof buf, "%.1f GiB", b / (1ull << 30));
  else if (bytes >= (1ull << 20)) std::snprintf(buf, sizeof buf, "%.1f MiB", b / (1ull << 20));
  else if (bytes >= (1ull << 10)) std::snprintf(buf, sizeof buf, "%.1f KiB", b / (1ull << 10));
  else std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(bytes));
  return buf;
}

std::string human_duration(double seconds) {
  char buf[64];
  if (!(seconds >= 0)) seconds = 0;  // NaN or negative: nothing measured
  if (seconds < 1e-3) {
    std::snprintf(buf, sizeof buf, "%.0f us", seconds * 1e6);
  } else if (seconds < 1.0) {
    std::snprintf(buf, sizeof buf, "%.1f ms", seconds * 1e3);
  } else if (seconds < 60.0) {
    std::snprintf(buf, sizeof buf, "%.1f s", seconds);
  } else if (seconds < 3600.0) {
    auto s = static_cast<unsigned long long>(seconds + 0.5);
    std::snprintf(buf, sizeof buf, "%llu min %llu s", s / 60, s % 60);
  } else {
    auto m = static_cast<unsigned long long>(seconds / 60.0 + 0.5);
    std::snprintf(buf, sizeof buf, "%llu h %llu min", m / 60, m % 60);
  }
  return buf;
}

}  // namespace rvrr::trace
