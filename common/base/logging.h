// Structured logs: one line per event on stderr, logfmt style
//   ts=2026-11-23T19:40:01.123Z level=info event=lease_expired job=qa doc=d1 sample=0
// Thread-safe; lines never interleave. Values with spaces or quotes are quoted.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace codi {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Lines below this level are dropped (default kInfo; env CODI_LOG_LEVEL=debug|info|warning|error).
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Parses "debug", "info", "warning", "error"; false on anything else.
bool ParseLogLevel(std::string_view text, LogLevel* level);

using LogField = std::pair<std::string_view, std::string>;
void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {});

}  // namespace codi
