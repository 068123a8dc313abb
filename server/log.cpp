// server/log.cpp - spdlog to stderr.
#include "server/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace rvrr::server {

void setup_logging(const std::string& level) {
  // Not the colour sink: the output often goes to a pipe or a test log.
  auto logger = spdlog::get("rvrr");
  if (!logger) logger = spdlog::stderr_logger_mt("rvrr");
  logger->set_pattern("rvrr: %l: %v");
  logger->set_level(spdlog::level::from_str(level));
  // Flush every line: the log interleaves with gdb's output on the terminal.
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

}  // namespace rvrr::server
