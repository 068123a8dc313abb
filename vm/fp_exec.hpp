// vm/fp_exec.hpp - the out-of-line handler of Op::FpOp (private to vm/).
#pragma once
#include "vm/machine_impl.hpp"

namespace rvrr::vm {

// Execute the F/D computational instruction `op` on m (float registers,
// integer registers, fflags). Returns false, changing nothing, when the
// instruction is illegal because its rm is dynamic and frm holds 5, 6 or 7.
bool fp_execute(Machine::Impl& m, const DecodedOp& op);

}  // namespace rvrr::vm
