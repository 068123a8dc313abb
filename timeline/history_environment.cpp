// timeline/history_environment.cpp - the HistoryEnvironment and HistoryReader.
#include "timeline/history_environment.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>

#include "trace/host_call_text.hpp"
#include "vm/host_io.hpp"

namespace rvrr::timeline {

namespace {

bool same_request(const vm::HostRequest& a, const vm::HostRequest& b) {
  if (a.op != b.op) return false;
  switch (a.op) {
    case vm::HostOp::Open:
      return a.path == b.path && a.arg0 == b.arg0;
    case vm::HostOp::Close:
    case vm::HostOp::FileSize:
    case vm::HostOp::IsTty:
      return a.handle == b.handle;
    case vm::HostOp::Read:
      return a.handle == b.handle && a.arg0 == b.arg0;
    case vm::HostOp::Seek:
      return a.handle == b.handle && a.arg0 == b.arg0 && a.arg1 == b.arg1;
    case vm::HostOp::Random:
      return a.arg0 == b.arg0;
  }
  // An op this build does not know: compare everything.
  return a.handle == b.handle && a.arg0 == b.arg0 && a.arg1 == b.arg1 && a.path == b.path;
}

vm::HostReply refuse(std::string message) {
  vm::HostReply reply;
  reply.ok = false;
  reply.value = -5;  // EIO, should a caller ignore `ok`
  reply.error = std::move(message);
  return reply;
}

}  // namespace

HistoryEnvironment::HistoryEnvironment(std::shared_ptr<trace::History> history, Mode mode,
                                       std::shared_ptr<vm::Environment> live, trace::HistorySink* sink)
    : history_(history ? std::move(history) : std::make_shared<trace::History>()),
      mode_(mode),
      live_(std::move(live)),
      sink_(sink) {
  output_to = vm::write_guest_output;
}

std::optional<vm::HostReply> recorded_reply(const trace::History& history, std::uint64_t icount,
                                            const vm::HostRequest& request) {
  const trace::HostEvent* recorded = history.event_at(icount);
  // Behind the frontier, or at a point already recorded (the instruction made
  // its call and then stopped before retiring, e.g. a fault writing the
  // buffer), the history is authoritative.
  if (recorded == nullptr && icount >= history.frontier) return std::nullopt;
  if (recorded == nullptr) {
    return refuse(trace::divergence_text(icount, nullptr, request));
  }
  if (!same_request(recorded->request, request)) {
    return refuse(trace::divergence_text(icount, &recorded->request, request));
  }
  vm::HostReply reply = recorded->reply;
  reply.ok = true;
  reply.error.clear();
  return reply;
}

vm::HostReply HistoryReader::call(std::uint64_t icount, const vm::HostRequest& request) {
  if (std::optional<vm::HostReply> reply = recorded_reply(history_, icount, request)) return *reply;
  // A parallel scan never runs past the frontier; should one try, it is a divergence, not a host call.
  return refuse("internal error: a parallel re-run reached the end of known history at instruction " +
                std::to_string(icount));
}

vm::HostReply HistoryEnvironment::call(std::uint64_t icount, const vm::HostRequest& request) {
  if (std::optional<vm::HostReply> reply = recorded_reply(*history_, icount, request)) return *reply;
  if (mode_ == Mode::Replay || !live_) {
    if (history_->open_ended) {
      // The lost part of a cut-short trace starts here: this is the end.
      history_->close_open_end(icount);
    }
    std::ostringstream os;
    os << "end of the recorded history: at instruction " << icount
       << " the program asked for " << trace::describe_request(request)
       << ", past the end of the trace (" << history_->frontier << " instructions)";
    return refuse(os.str());
  }
  vm::HostReply reply = live_->call(icount, request);
  if (!reply.ok) return reply;  // the live host refused: nothing happened, nothing to record
  trace::HostEvent event{icount, request, reply};
  event.reply.error.clear();
  // Keep events ascending: anything recorded past this point belongs to a
  // future that did not happen (cannot occur when the owner truncates first).
  if (!history_->events.empty() && history_->events.back().icount > icount) {
    truncate(std::max(icount, history_->frontier));  // through the sink: the trace must agree
  }
  history_->events.push_back(event);
  if (sink_) sink_->on_event(history_->events.back());
  return reply;
}

void HistoryEnvironment::output(std::uint64_t icount, int fd, std::span<const std::uint8_t> bytes) {
  if (icount < printed_up_to_) return;  // shown the first time execution passed here
  printed_up_to_ = icount + 1;
  if (output_to) output_to(fd, bytes);
}

void HistoryEnvironment::advance_frontier(std::uint64_t icount) {
  if (icount <= history_->frontier) return;
  history_->frontier = icount;
  if (progress_every_ != 0 && icount - last_mark_ >= progress_every_ / 2) mark_progress();
}

void HistoryEnvironment::mark_progress_every(std::uint64_t every) {
  progress_every_ = every;
  if (every != 0) mark_progress();
}

void HistoryEnvironment::mark_progress() {
  const std::uint64_t at = history_->frontier;
  // A mark follows every host call before it (the trace reader insists); a
  // call made at the frontier itself waits for the next advance.
  if (sink_ == nullptr || (!history_->events.empty() && history_->events.back().icount >= at)) return;
  last_mark_ = at;
  sink_->on_progress(at, at + progress_every_);
}

void HistoryEnvironment::record_write(trace::DebuggerWrite write) {
  write.icount = history_->frontier;
  // Writes stay ascending: any write recorded past the frontier is stale.
  while (!history_->writes.empty() && history_->writes.back().icount > write.icount) {
    history_->writes.pop_back();
  }
  history_->writes.push_back(std::move(write));
  if (sink_) sink_->on_write(history_->writes.back());
}

void HistoryEnvironment::truncate(std::uint64_t icount) {
  history_->truncate(icount);
  // The discarded future may be re-run differently; its output is new output.
  printed_up_to_ = std::min(printed_up_to_, icount);
  if (sink_) sink_->on_truncate(icount);
  // The marks past `icount` are void: the last one left may have promised
  // its successor too far ahead for a new future, so mark the new end.
  if (progress_every_ != 0 && last_mark_ > icount) {
    last_mark_ = icount;
    mark_progress();
  }
}

}  // namespace rvrr::timeline
