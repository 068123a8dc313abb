// trace/store.hpp - where traces live by default, as rr does it.
//
// Directory: $RVRR_TRACE_DIR, else $XDG_DATA_HOME/rvrr, else
// ~/.local/share/rvrr. Traces are named PROGRAM-N.rvrr (the next free N,
// from 0), and a `latest` symlink points at the last one recorded, so
// `rvrr replay` with no argument replays it.
#pragma once
#include <filesystem>
#include <string>

namespace rvrr::trace {

// The default trace directory (not created). Throws TraceError if neither
// variable nor HOME is set.
std::filesystem::path default_trace_dir();
// Creates `dir` if needed and reserves PROGRAM-N.rvrr there (created empty
// with O_EXCL, so two recordings never pick the same name). `program` is the
// program's path or name; its base name is used, minus a ".elf" suffix.
// Throws TraceError when the directory cannot be created or written.
std::filesystem::path reserve_trace_path(const std::filesystem::path& dir, const std::string& program);
// Points dir/latest at `trace` (a relative link when it is in `dir`),
// replacing the old link atomically. Throws TraceError on failure.
void update_latest_link(const std::filesystem::path& dir, const std::filesystem::path& trace);
// What `rvrr replay [SPEC]` opens: "" or "latest" -> the default directory's
// latest trace; a directory -> its latest; anything else -> that path.
// Throws TraceError ("no traces recorded yet in DIR") when there is no latest.
std::filesystem::path resolve_trace(const std::string& spec);

}  // namespace rvrr::trace
