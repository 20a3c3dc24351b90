// Fuzzes the job spec loader (common/spec/job_spec_loader.h): YAML and JSON
// text as `codi submit` and `codi run` read it, then the validator on what
// parses, with and without defaults, and the same bytes as the binary JobSpec
// a client sends to the coordinator's SubmitJob.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "common/spec/job_defaults.h"
#include "common/spec/job_spec_loader.h"
#include "common/spec/job_spec_validator.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  absl::StatusOr<codi::v1::JobSpec> spec = codi::ParseJobSpec(text, "fuzz.yaml");
  if (!spec.ok()) {
    FUZZ_CHECK_CLEAR_ERROR(spec.status());
    FUZZ_CHECK(spec.status().code() == absl::StatusCode::kInvalidArgument, "code %d",
               static_cast<int>(spec.status().code()));
    FUZZ_CHECK(spec.status().message().substr(0, 9) == "fuzz.yaml", "error without the source: %s",
               std::string(spec.status().message()).c_str());
  } else {
    // The loader validated the spec as written; with its defaults filled in it
    // stays valid (the coordinator validates what it stores).
    const absl::Status as_written = codi::ValidateJobSpec(*spec);
    FUZZ_CHECK(as_written.ok(), "loaded spec fails validation: %s",
               std::string(as_written.message()).c_str());
    const absl::Status with_defaults = codi::ValidateJobSpec(codi::WithDefaults(*spec));
    FUZZ_CHECK(with_defaults.ok(), "spec with defaults fails validation: %s",
               std::string(with_defaults.message()).c_str());
    (void)codi::CheckChatRolesCoverRoles(*spec);
  }

  // SubmitJob carries a binary JobSpec: whatever a client sends is validated.
  codi::v1::JobSpec wire;
  if (wire.ParseFromArray(data, static_cast<int>(size))) {
    const absl::Status valid = codi::ValidateJobSpec(wire);
    if (!valid.ok()) FUZZ_CHECK_CLEAR_ERROR(valid);
    (void)codi::CheckChatRolesCoverRoles(wire);
  }
  return 0;
}
