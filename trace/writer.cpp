// trace/writer.cpp - streaming a trace to disk, one write() per record.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "trace/format.hpp"
#include "trace/little_endian.hpp"
#include "vm/host_io.hpp"

namespace rvrr::trace {

TraceWriter::TraceWriter(const std::string& path, const TraceHeader& header)
    : path_(path), version_(header.format_version) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw TraceError(path + ": cannot create trace: " + std::strerror(errno));
  std::vector<std::uint8_t> start = encode_trace_start(header);
  if (int err = vm::write_fully(fd_, start)) {
    ::close(fd_);
    fd_ = -1;
    throw TraceError(path + ": cannot write trace: " + std::strerror(err));
  }
  bytes_ = start.size();
}

TraceWriter::~TraceWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void TraceWriter::put(const std::vector<std::uint8_t>& record) {
  if (fd_ < 0 || error_) return;
  // One write() per record: a kill between records never tears one, and a
  // kill inside one leaves a short tail the reader drops.
  if (int err = vm::write_fully(fd_, record)) {
    error_ = path_ + ": cannot write trace: " + std::strerror(err);
    return;
  }
  bytes_ += record.size();
}

void TraceWriter::on_event(const HostEvent& event) {
  put(encode_record(RecordType::HostEvent, encode_event_body(event)));
}

void TraceWriter::on_write(const DebuggerWrite& write) {
  put(encode_record(RecordType::DebuggerWrite, encode_write_body(write, version_)));
}

void TraceWriter::on_truncate(std::uint64_t icount) {
  std::vector<std::uint8_t> body;
  put_le(body, icount, 8);
  put(encode_record(RecordType::Truncate, body));
}

void TraceWriter::on_progress(std::uint64_t icount, std::uint64_t next) {
  if (version_ < 4) return;
  std::vector<std::uint8_t> body;
  put_le(body, icount, 8);
  put_le(body, next, 8);
  put(encode_record(RecordType::Progress, body));
}

void TraceWriter::finish(const TraceFooter& footer) {
  if (fd_ < 0) return;
  put(encode_record(RecordType::Footer, encode_footer_body(footer, version_)));
  if (!error_ && ::fsync(fd_) != 0 && errno != EINVAL && errno != EROFS) {
    error_ = path_ + ": cannot sync trace: " + std::strerror(errno);
  }
  if (::close(fd_) != 0 && !error_) error_ = path_ + ": cannot close trace: " + std::strerror(errno);
  fd_ = -1;
}

}  // namespace rvrr::trace
