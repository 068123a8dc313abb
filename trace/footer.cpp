// trace/footer.cpp - the footer describing a machine's final state.
// (Separate from format.cpp so the file format itself needs no Machine.)
#include "trace/format.hpp"

namespace rvrr::trace {

TraceFooter footer_for(const vm::Machine& machine, const vm::StopInfo& stop) {
  TraceFooter footer;
  footer.final_icount = machine.icount();
  footer.pc = machine.pc();
  footer.has_state_hash = true;
  footer.state_hash = machine.state_hash();
  switch (stop.kind()) {
    case vm::StopKind::Exited:
      footer.end = TraceEnd::Exited;
      footer.exit_code = stop.exit_code();
      break;
    case vm::StopKind::Fault:
      footer.end = TraceEnd::Fault;
      footer.signal = stop.signal();
      footer.fault_addr = stop.addr();
      footer.message = stop.message();
      break;
    case vm::StopKind::HostFailure:
      footer.end = TraceEnd::HostFailure;
      footer.message = stop.message();
      break;
    case vm::StopKind::Interrupted:
      footer.end = TraceEnd::Interrupted;
      break;
    default:
      footer.end = TraceEnd::Stopped;
      break;
  }
  return footer;
}

}  // namespace rvrr::trace
