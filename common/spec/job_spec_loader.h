// Reads a job spec written in YAML or JSON (yaml-cpp parses both) into
// codi.v1.JobSpec and validates it. The conversion walks the message
// descriptor, so every error names the file line and the field path:
//
//   job.yaml:14: graph.links[2].next.answr_span: transition to unknown link 'answr_span' ...
//   job.yaml:7: graph.lenght: unknown field (did you mean "length"?)
//   job.yaml:9: seed: expected an unsigned integer, got "abc"
//   job.yaml:3:5: end of sequence flow not found          (YAML syntax, LINE:COLUMN)
//
// Field names are the proto's snake_case names or protobuf's lowerCamel JSON
// names; unknown fields and duplicate keys are errors; YAML null leaves a
// field unset; a number where a string is expected is taken as its text.
// Defaults are not applied (see WithDefaults), so the spec stays as written.
// Every error is InvalidArgument with a single line "SOURCE:LINE: path: message"
// (without LINE when no line of the file holds the field).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "codi/v1/job.pb.h"

namespace codi {

// Reads, parses and validates the file. A relative documents.path is resolved
// against the file's directory. Errors use `path` as the SOURCE.
[[nodiscard]] absl::StatusOr<codi::v1::JobSpec> LoadJobSpecFile(const std::string& path);

// Parses and validates `text`; `source_name` is the SOURCE in error lines.
[[nodiscard]] absl::StatusOr<codi::v1::JobSpec> ParseJobSpec(std::string_view text,
                                                             const std::string& source_name);

}  // namespace codi
