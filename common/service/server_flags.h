// The flags codi-coordinator and codi-worker both take, declared once:
// --log-level and --metrics-listen, and what a server does with them.
//
//   FlagSet flags("codi-worker", "...");
//   ServerFlags server_flags(&flags);        // after the server's own flags
//   if (auto r = flags.Parse(argc, argv); ...) ...
//   if (!server_flags.ApplyLogLevel()) return 2;
//   ...
//   if (!server_flags.StartMetrics(&metrics_server)) return 1;
#pragma once

#include <string>

#include "common/base/flags.h"
#include "common/service/metrics_server.h"

namespace codi {

class ServerFlags {
 public:
  // Declares the flags on `flags`, which must outlive this object.
  explicit ServerFlags(FlagSet* flags);

  // Sets the process log level from --log-level. On a bad level prints one
  // line on stderr and returns false: the server exits 2.
  [[nodiscard]] bool ApplyLogLevel() const;

  // Starts `server` on --metrics-listen, if given, and prints "metrics on
  // HOST:PORT" (as bound) on stdout. On failure prints one line on stderr
  // and returns false: the server exits 1.
  [[nodiscard]] bool StartMetrics(MetricsServer* server) const;

 private:
  const FlagSet* flags_;
  std::string log_level_ = "info";
  std::string metrics_listen_;  // empty: no metrics server
};

}  // namespace codi
