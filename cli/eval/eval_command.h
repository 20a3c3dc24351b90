// `codi eval`: the CoDi paper's evaluation of a student model on CoQA or QuAC
// through any OpenAI-compatible endpoint (docs/eval.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/eval/eval_results.h"
#include "common/teacher/teacher_client.h"

namespace codi {

struct EvalOptions {
  std::string data;           // CoQA or QuAC file
  bool pred_history = false;  // history of the student's own answers, else the references
  std::string out_dir;        // eval.json and eval.items.jsonl
  std::string model;          // sent as "model"
  std::string student;        // for the record: the endpoint(s)
  int64_t concurrency = 8;    // dialogs in flight
  int64_t max_tokens = 100;   // per answer
  double temperature = 0;
  int64_t max_dialogs = 0;  // 0: all
};

struct EvalOutcome {
  EvalRunInfo info;
  EvalSummary summary;
  std::string table;
  std::vector<std::string> errors;  // the first few student failures
};

// Runs (or resumes) the eval with `student`: every dialog's turns in order,
// dialogs concurrently; each finished item is logged before the next turn of
// its dialog starts. Writes out_dir/eval.json at the end, also when some turns
// failed (info.failed counts them; running again retries them).
[[nodiscard]] absl::StatusOr<EvalOutcome> RunEval(const EvalOptions& options,
                                                  TeacherClient* student);

int EvalCommand(int argc, char** argv);

}  // namespace codi
