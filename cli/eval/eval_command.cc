#include "cli/eval/eval_command.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/base/flags.h"
#include "common/base/mutex.h"
#include "common/base/stable_hash.h"
#include "common/base/status_macros.h"
#include "common/eval/eval_prompt.h"
#include "common/eval/qa_dataset.h"
#include "common/teacher/http_teacher_client.h"

namespace codi {
namespace {

constexpr size_t kErrorsKept = 5;

// Names the data by content, so a resumed eval is the same eval even when the
// file moved, and a changed file or setting never mixes with old items.
std::string Fingerprint(const QaDataset& data, const EvalOptions& options) {
  uint64_t h = Fnv1a64(data.form);
  for (const QaDialog& d : data.dialogs) {
    h = Fnv1a64(d.id, Fnv1a64("\x1e", h));
    h = Fnv1a64(d.passage, h);
    for (const QaTurn& t : d.turns) {
      h = Fnv1a64(t.question, Fnv1a64("\x1f", h));
      for (const auto& r : t.references) h = Fnv1a64(r, Fnv1a64("\x1d", h));
    }
  }
  return absl::StrFormat("%s data %016x history %s model %s max_tokens %d temperature %g",
                         data.form, h, options.pred_history ? "pred" : "gold", options.model,
                         options.max_tokens, options.temperature);
}

// Shared by the threads of one eval.
struct EvalState {
  const QaDataset* data = nullptr;
  const EvalOptions* options = nullptr;
  TeacherClient* student = nullptr;
  EvalItemLog* log = nullptr;
  // results[d][t]: the item of dialog d's turn t, once scored. Each dialog is
  // run by one thread at a time; the vectors are sized before the threads start.
  std::vector<std::vector<std::optional<EvalItem>>> results;
  std::atomic<size_t> next_dialog{0};
  std::atomic<uint64_t> failed{0};
  std::atomic<bool> stop{false};
  codi::Mutex mu;
  std::vector<std::string> errors ABSL_GUARDED_BY(mu);
  absl::Status fatal ABSL_GUARDED_BY(mu);
};

void NoteError(EvalState* state, std::string error) {
  codi::MutexLock lock(&state->mu);
  if (state->errors.size() < kErrorsKept) state->errors.push_back(std::move(error));
}

void RunDialog(EvalState* state, size_t d) {
  const QaDialog& dialog = state->data->dialogs[d];
  const EvalOptions& options = *state->options;
  auto& results = state->results[d];
  for (size_t t = 0; t < dialog.turns.size(); ++t) {
    if (results[t].has_value()) continue;
    if (state->stop.load()) return;
    EvalPrompt prompt;
    prompt.format = state->data->format;
    prompt.title = dialog.title;
    prompt.passage = dialog.passage;
    prompt.question = dialog.turns[t].question;
    bool history_complete = true;
    for (size_t k = 0; k < t; ++k) {
      if (options.pred_history && !results[k].has_value()) {
        history_complete = false;
        break;
      }
      prompt.history.push_back({dialog.turns[k].question, options.pred_history
                                                              ? results[k]->prediction
                                                              : dialog.turns[k].gold_answer});
    }
    if (!history_complete) {
      // The student's own earlier answer is missing: this turn cannot be asked.
      state->failed.fetch_add(1);
      continue;
    }
    CompletionRequest request;
    request.messages = BuildEvalPrompt(prompt);
    request.model = options.model;
    request.max_tokens = static_cast<uint32_t>(options.max_tokens);
    request.temperature = options.temperature;
    request.top_p = 1.0;
    request.request_id = absl::StrCat("eval/", dialog.id, "/", dialog.turns[t].index);
    request.affinity_key = Fnv1a64(dialog.id);
    absl::StatusOr<CompletionResult> reply = state->student->Complete(request);
    if (!reply.ok()) {
      state->failed.fetch_add(1);
      NoteError(state, absl::StrCat(dialog.id, " turn ", dialog.turns[t].index, ": ",
                                    reply.status().message()));
      continue;
    }
    EvalItem item = ScoreItem(state->data->format, dialog, dialog.turns[t],
                              std::string(absl::StripAsciiWhitespace(reply->text)));
    if (absl::Status s = state->log->Append(state->data->format, item); !s.ok()) {
      codi::MutexLock lock(&state->mu);
      if (state->fatal.ok()) state->fatal = s;
      state->stop.store(true);
      return;
    }
    results[t] = std::move(item);
  }
}

}  // namespace

absl::StatusOr<EvalOutcome> RunEval(const EvalOptions& options, TeacherClient* student) {
  CODI_ASSIGN_OR_RETURN(QaDataset data, LoadQaDataset(options.data));
  for (const std::string& w : data.warnings) std::cerr << "codi eval: warning: " << w << "\n";
  if (options.max_dialogs > 0 && data.dialogs.size() > static_cast<size_t>(options.max_dialogs)) {
    data.dialogs.resize(static_cast<size_t>(options.max_dialogs));
  }
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat(options.out_dir, ": ", ec.message()));
  CODI_ASSIGN_OR_RETURN(
      std::unique_ptr<EvalItemLog> log,
      EvalItemLog::Open((std::filesystem::path(options.out_dir) / "eval.items.jsonl").string(),
                        Fingerprint(data, options)));

  EvalState state;
  state.data = &data;
  state.options = &options;
  state.student = student;
  state.log = log.get();
  uint64_t items_total = 0;
  for (const QaDialog& d : data.dialogs) {
    items_total += d.turns.size();
    auto& slots = state.results.emplace_back(d.turns.size());
    for (size_t t = 0; t < d.turns.size(); ++t) {
      auto it = log->recovered().find({d.id, d.turns[t].index});
      if (it != log->recovered().end()) slots[t] = it->second;
    }
  }

  const size_t threads =
      std::min(static_cast<size_t>(std::max<int64_t>(1, options.concurrency)), data.dialogs.size());
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (size_t i = 0; i < threads; ++i) {
    pool.emplace_back([&state, n = data.dialogs.size()] {
      for (size_t d = state.next_dialog.fetch_add(1); d < n && !state.stop.load();
           d = state.next_dialog.fetch_add(1)) {
        RunDialog(&state, d);
      }
    });
  }
  for (auto& t : pool) t.join();
  {
    codi::MutexLock lock(&state.mu);
    if (!state.fatal.ok()) return state.fatal;
  }

  EvalOutcome outcome;
  std::vector<EvalItem> items;
  for (auto& dialog : state.results) {
    for (auto& item : dialog) {
      if (item.has_value()) items.push_back(*std::move(item));
    }
  }
  outcome.info = {options.data,
                  data.form,
                  options.student,
                  options.model,
                  options.pred_history ? "pred" : "gold",
                  data.dialogs.size(),
                  items_total,
                  items_total - items.size()};
  outcome.summary = Summarize(data.format, items);
  outcome.table = FormatEvalTable(outcome.info, outcome.summary);
  {
    codi::MutexLock lock(&state.mu);
    outcome.errors = state.errors;
  }
  CODI_RETURN_IF_ERROR(
      WriteFileAtomically((std::filesystem::path(options.out_dir) / "eval.json").string(),
                          EvalJson(outcome.info, outcome.summary, items)
                                  .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
                              "\n"));
  return outcome;
}

int EvalCommand(int argc, char** argv) {
  FlagSet flags("codi eval",
                "score a student model on CoQA or QuAC dialogs, as the CoDi paper does: each turn "
                "it gets the passage, the conversation so far and the question, and its answer is "
                "scored with the official CoQA (F1, token recall, exact match) or QuAC (F1) "
                "metrics. Resumable: run the same command again to continue.");
  flags.AddUsage(
      "codi eval --student URL --data FILE --history gold|pred --out DIR [--model NAME] "
      "[--concurrency N]");
  EvalOptions options;
  std::vector<std::string> students;
  std::string history, api_key_env = "OPENAI_API_KEY", api_key_file;
  int64_t connect_timeout_ms = 5000, read_timeout_ms = 120000, max_attempts = 6;
  bool tls_verify = true;
  flags.StringList("student", "CODI_STUDENT", &students,
                   "OpenAI-compatible base URL of the student, e.g. http://127.0.0.1:8000/v1 "
                   "(repeat for replicas)");
  flags.String("model", "CODI_STUDENT_MODEL", &options.model, "model name sent with each request");
  flags.String("data", "", &options.data,
               "CoQA JSON, QuAC JSON or QuAC JSONL file in its official form (detected)");
  flags.String("history", "", &history,
               "gold: earlier turns carry the reference answers; pred: the student's own answers "
               "(its errors carry forward)");
  flags.String("out", "", &options.out_dir,
               "directory for eval.json and eval.items.jsonl (the resume log)");
  flags.Int("concurrency", "", &options.concurrency,
            "dialogs in flight at once (a dialog's turns always run in order)");
  flags.Int("max-tokens", "", &options.max_tokens, "most tokens in an answer");
  flags.Double("temperature", "", &options.temperature, "sampling temperature");
  flags.Int("max-dialogs", "", &options.max_dialogs, "evaluate only the first N dialogs (0: all)");
  flags.String("api-key-env", "", &api_key_env,
               "environment variable holding the student's API key (empty: none)");
  flags.String("api-key-file", "", &api_key_file, "file holding the API key (instead of the env)");
  flags.Int("connect-timeout-ms", "", &connect_timeout_ms, "connect timeout per request");
  flags.Int("read-timeout-ms", "", &read_timeout_ms, "read timeout per request");
  flags.Int("max-attempts", "", &max_attempts,
            "attempts per answer for retryable failures (429, 5xx, timeouts), the first included");
  flags.Bool("tls-verify", "", &tls_verify,
             "verify an https student's certificate (--no-tls-verify for a self-signed one)");
  if (auto r = flags.Parse(argc, argv, 2); r != FlagSet::kOk) return r == FlagSet::kHelp ? 0 : 2;
  if (!flags.positional().empty() || students.empty() || options.data.empty() ||
      options.out_dir.empty() || (history != "gold" && history != "pred")) {
    std::cerr << "codi eval: expected --student URL, --data FILE, --history gold|pred and --out "
                 "DIR (see --help)\n";
    return 2;
  }
  options.pred_history = history == "pred";
  if (options.concurrency < 1 || options.concurrency > 1024) {
    std::cerr << "codi eval: --concurrency must be between 1 and 1024\n";
    return 2;
  }
  if (options.max_tokens < 1 || options.max_tokens > 100000 || options.max_dialogs < 0 ||
      max_attempts < 1 || max_attempts > 100 || connect_timeout_ms < 1 || read_timeout_ms < 1) {
    std::cerr << "codi eval: --max-tokens, --max-attempts and the timeouts must be positive, "
                 "--max-dialogs at least 0\n";
    return 2;
  }
  HttpTeacherOptions client_options;
  client_options.endpoints = students;
  client_options.connect_timeout_ms = static_cast<int>(connect_timeout_ms);
  client_options.read_timeout_ms = static_cast<int>(read_timeout_ms);
  client_options.max_attempts = static_cast<uint32_t>(max_attempts);
  client_options.verify_tls = tls_verify;
  auto key = LoadApiKey(api_key_env, api_key_file);
  if (!key.ok()) {
    std::cerr << "codi eval: " << key.status().message() << "\n";
    return 2;
  }
  client_options.api_key = *std::move(key);
  auto client = MakeHttpTeacherClient(std::move(client_options));
  if (!client.ok()) {
    std::cerr << "codi eval: --student: " << client.status().message() << "\n";
    return 2;
  }
  options.student = absl::StrJoin(students, ",");
  auto outcome = RunEval(options, client->get());
  if (!outcome.ok()) {
    std::cerr << "codi eval: " << outcome.status().message() << "\n";
    const auto code = outcome.status().code();
    return code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kNotFound ||
                   code == absl::StatusCode::kFailedPrecondition
               ? 2
               : 1;
  }
  for (const std::string& e : outcome->errors)
    std::cerr << "codi eval: student failed: " << e << "\n";
  std::cout << outcome->table << "wrote " << options.out_dir << "/eval.json\n";
  return outcome->info.failed > 0 ? 1 : 0;
}

}  // namespace codi
