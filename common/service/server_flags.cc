#include "common/service/server_flags.h"

#include <iostream>

#include "common/base/logging.h"

namespace codi {

ServerFlags::ServerFlags(FlagSet* flags) : flags_(flags) {
  flags->String("log-level", "CODI_LOG_LEVEL", &log_level_, "debug, info, warning or error");
  flags->String("metrics-listen", "CODI_METRICS_LISTEN", &metrics_listen_,
                "serve Prometheus /metrics on HOST:PORT (empty: off; port 0 picks one, printed as "
                "'metrics on HOST:PORT')");
}

bool ServerFlags::ApplyLogLevel() const {
  LogLevel level;
  if (!ParseLogLevel(log_level_, &level)) {
    std::cerr << flags_->program() << ": --log-level must be debug, info, warning or error\n";
    return false;
  }
  SetLogLevel(level);
  return true;
}

bool ServerFlags::StartMetrics(MetricsServer* server) const {
  if (metrics_listen_.empty()) return true;
  auto bound = server->Start(metrics_listen_);
  if (!bound.ok()) {
    std::cerr << flags_->program() << ": " << bound.status().message() << "\n";
    return false;
  }
  std::cout << "metrics on " << *bound << std::endl;
  return true;
}

}  // namespace codi
