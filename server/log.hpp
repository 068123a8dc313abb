// server/log.hpp - spdlog set-up for the rvrr executable (stderr only).
//
// Only server/ logs; vm/, timeline/ and protocol/ return data that the server
// logs. Levels: trace, debug (every packet both ways), info, warn, error, off.
#pragma once
#include <string>

namespace rvrr::server {

// Installs the default logger writing "rvrr: LEVEL: message" lines to stderr.
// `level` must be one of the names above (the CLI checks it).
void setup_logging(const std::string& level);

}  // namespace rvrr::server
