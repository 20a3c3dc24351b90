// FUZZ_CHECK: a property a fuzz target asserts. A failure prints the
// condition and aborts, which libFuzzer (and the corpus replay test) reports
// as a crash with the input that caused it.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/status/status.h"

#define FUZZ_CHECK(condition, ...)                                                            \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: ", __FILE__, __LINE__, #condition); \
      std::fprintf(stderr, __VA_ARGS__);                                                      \
      std::fprintf(stderr, "\n");                                                             \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)

// A parser's error must be clear: a status with a message, on one line (the
// parsers promise "one line naming the field"), never OK-by-accident.
#define FUZZ_CHECK_CLEAR_ERROR(status)                                                            \
  do {                                                                                            \
    const absl::Status& fuzz_status_ = (status);                                                  \
    FUZZ_CHECK(!fuzz_status_.message().empty(), "error without a message (code %d)",              \
               static_cast<int>(fuzz_status_.code()));                                            \
    FUZZ_CHECK(fuzz_status_.message().find('\n') == std::string_view::npos,                       \
               "error over more than one line: %s", std::string(fuzz_status_.message()).c_str()); \
  } while (false)
