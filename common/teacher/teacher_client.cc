#include "common/teacher/teacher_client.h"

#include "absl/strings/cord.h"

namespace codi {
namespace {

constexpr char kFailureReasonUrl[] = "type.codi/codi.TeacherFailureReason";

}  // namespace

absl::Status WithTeacherFailureReason(absl::Status status, absl::string_view reason) {
  status.SetPayload(kFailureReasonUrl, absl::Cord(reason));
  return status;
}

std::string TeacherFailureReason(const absl::Status& status) {
  auto reason = status.GetPayload(kFailureReasonUrl);
  return reason.has_value() ? std::string(*reason) : std::string();
}

}  // namespace codi
