// Early-return helpers for absl::Status and absl::StatusOr.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CODI_CONCAT_INNER_(a, b) a##b
#define CODI_CONCAT_(a, b) CODI_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define CODI_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::absl::Status codi_status_ = (expr);        \
    if (!codi_status_.ok()) return codi_status_; \
  } while (0)

// Declares `lhs` from a StatusOr expression or returns its error.
#define CODI_ASSIGN_OR_RETURN(lhs, expr)                    \
  auto CODI_CONCAT_(codi_statusor_, __LINE__) = (expr);     \
  if (!CODI_CONCAT_(codi_statusor_, __LINE__).ok())         \
    return CODI_CONCAT_(codi_statusor_, __LINE__).status(); \
  lhs = std::move(CODI_CONCAT_(codi_statusor_, __LINE__)).value()
