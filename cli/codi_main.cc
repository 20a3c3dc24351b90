// codi: the command-line interface. Each subcommand parses its own flags.
#include <filesystem>
#include <iostream>
#include <string>

#include "cli/cli_flags.h"
#include "cli/coqa_importer.h"
#include "cli/eval/eval_command.h"
#include "cli/local_job.h"
#include "cli/quac_importer.h"
#include "cli/remote_commands.h"
#include "cli/run_command.h"
#include "common/base/flags.h"
#include "common/base/mutex.h"
#include "common/base/version.h"
#include "common/format/text_import.h"
#include "common/quality/deduplicator.h"
#include "common/report_html/report_html.h"
#include "common/security/roles.h"
#include "common/security/token_table.h"
#include "common/spec/job_spec_loader.h"
#include "coordinator/job_report.h"

namespace codi {
namespace {

constexpr char kUsage[] =
    "codi: distil grounded multi-turn conversations from a teacher LLM\n"
    "\n"
    "Usage:\n"
    "  codi run JOB.yaml [--teacher URL]... [--state DIR] [--out DIR] [--concurrency N]\n"
    "              [--format jsonl|brackets|chat] [--dedup off|exact|near]\n"
    "  codi submit JOB.yaml [--docs FILE] --coordinator HOST:PORT   # prints the job id\n"
    "  codi status|watch|cancel|report JOB_ID --coordinator HOST:PORT\n"
    "  codi export JOB_ID --out DIR [--format jsonl|brackets|chat] [--dedup off|exact|near]\n"
    "              (--coordinator HOST:PORT | --state DIR)\n"
    "  codi report JOB_ID --state DIR [--json]\n"
    "  codi report JOB_ID (--state DIR | --coordinator HOST:PORT) --html FILE [--eval EVAL_JSON]\n"
    "  codi report --from out/JOB/report.json --html FILE [--eval EVAL_JSON]\n"
    "  codi import-coqa FILE --out DOCS.jsonl\n"
    "  codi import-quac FILE --out DOCS.jsonl\n"
    "  codi import-text FILE|DIR... --out DOCS.jsonl [--chunk-chars N] [--overlap-chars N]\n"
    "  codi eval --student URL --data FILE --history gold|pred --out DIR [--model NAME]\n"
    "                                           # score a student on CoQA/QuAC (the paper's eval)\n"
    "  codi validate JOB.yaml...                # checks job specs, prints what each holds\n"
    "  codi token new --role ROLE [--name NAME] # a bearer token and its --auth-tokens line\n"
    "  codi version\n"
    "\n"
    "Run `codi COMMAND --help` for a command's flags. Exit codes: 0 success, 1 runtime\n"
    "failure, 2 bad usage or bad input.\n";

// `codi token new`: prints a fresh token (line 1) and the line that grants it
// in the coordinator's --auth-tokens file (line 2). Only the digest goes into
// the file; the token itself is shown once, here.
int TokenCommand(int argc, char** argv) {
  FlagSet flags("codi token", "make a bearer token for the coordinator");
  flags.AddUsage("codi token new --role admin|client|reader|worker [--name NAME]");
  std::string role_name, name;
  flags.String("role", "", &role_name, "admin, client, reader or worker");
  flags.String("name", "", &name, "who holds the token, shown in the file (no spaces)");
  if (auto r = flags.Parse(argc, argv, 2); r != FlagSet::kOk) return r == FlagSet::kHelp ? 0 : 2;
  if (flags.positional().size() != 1 || flags.positional()[0] != "new") {
    std::cerr << "codi token: expected `codi token new --role ROLE` (see --help)\n";
    return 2;
  }
  auto role = ParseRole(role_name);
  if (!role.ok()) {
    std::cerr << "codi token: --role: " << role.status().message() << "\n";
    return 2;
  }
  if (name.find_first_of(" \t#") != std::string::npos) {
    std::cerr << "codi token: --name may not hold spaces or '#'\n";
    return 2;
  }
  auto token = NewToken();
  if (!token.ok()) {
    std::cerr << "codi token: " << token.status().message() << "\n";
    return 1;
  }
  std::cout << *token << "\n"
            << RoleName(*role) << " " << Sha256Hex(*token) << (name.empty() ? "" : " " + name)
            << "\n";
  return 0;
}

int ExportCommand(int argc, char** argv) {
  FlagSet flags("codi export",
                "write a job's finished conversations as sharded files with a dataset card");
  flags.AddUsage(
      "codi export JOB_ID --out DIR [--format jsonl|brackets|chat] [--dedup off|exact|near] "
      "[--near-threshold J] (--coordinator HOST:PORT | --state DIR)");
  std::string state_dir, out_dir, format = "jsonl";
  CoordinatorFlags coordinator;
  int64_t shards = 0;
  AddStateFlag(&flags, &state_dir);
  AddCoordinatorFlags(&flags, &coordinator, "instead of --state");
  AddOutDirFlag(&flags, &out_dir);
  flags.String("format", "", &format,
               "jsonl (one conversation a line), brackets, or chat (OpenAI fine-tuning messages)");
  flags.Int("shards", "", &shards, "number of shards (default: the job's output.shards)");
  DedupFlags dedup_flags;
  AddDedupFlags(&flags, &dedup_flags);
  if (auto r = flags.Parse(argc, argv, 2); r != FlagSet::kOk) return r == FlagSet::kHelp ? 0 : 2;
  const absl::StatusOr<DedupOptions> dedup = DedupOptionsFrom(dedup_flags);
  if (!dedup.ok()) {
    std::cerr << "codi export: " << dedup.status().message() << "\n";
    return 2;
  }
  if (flags.positional().size() != 1 || (state_dir.empty() == coordinator.address.empty()) ||
      out_dir.empty()) {
    std::cerr << "codi export: expected JOB_ID, --out DIR and one of --state DIR or --coordinator "
                 "HOST:PORT (see --help)\n";
    return 2;
  }
  const std::optional<ExportFormat> export_format = ParseExportFormat(format);
  if (!export_format.has_value()) {
    std::cerr << "codi export: --format must be jsonl, brackets or chat\n";
    return 2;
  }
  const std::string& job_id = flags.positional()[0];
  if (!coordinator.address.empty()) {
    return RemoteExport(coordinator, job_id, out_dir, *export_format, shards, *dedup);
  }
  if (!std::filesystem::exists(state_dir)) {
    std::cerr << "codi export: state directory " << state_dir << " does not exist\n";
    return 2;
  }
  auto state = OpenLocalState(state_dir, false);
  if (!state.ok()) {
    std::cerr << "codi export: " << state.status().message() << "\n";
    return 1;
  }
  auto job = state->store->GetJob(job_id);
  if (!job.ok() || !job->has_value()) {
    std::cerr << "codi export: no job '" << job_id << "' in " << state_dir << "\n";
    return 2;
  }
  return PrintExportResult(
      ExportStoredJob(*state->store, job_id, out_dir, *export_format, shards, *dedup), out_dir);
}

// `codi report`: a job's report from the local state, the coordinator or a
// report.json, printed as text or JSON, or written as an HTML page with an
// eval's scores beside it.
int ReportCommand(int argc, char** argv) {
  FlagSet flags("codi report", "print a job's report, or write it as an HTML page");
  flags.AddUsage("codi report JOB_ID (--coordinator HOST:PORT | --state DIR) [--json]");
  flags.AddUsage(
      "codi report JOB_ID (--coordinator HOST:PORT | --state DIR) --html FILE [--eval EVAL_JSON]");
  flags.AddUsage("codi report --from REPORT_JSON --html FILE [--eval EVAL_JSON]");
  flags.AddUsage("codi report --eval EVAL_JSON --html FILE");
  std::string state_dir, html_path, from_path, eval_path;
  CoordinatorFlags coordinator;
  bool json = false;
  AddStateFlag(&flags, &state_dir);
  AddCoordinatorFlags(&flags, &coordinator, "instead of --state");
  flags.Bool("json", "", &json, "print the report as JSON");
  flags.String("html", "", &html_path,
               "write the report as one self-contained HTML page (charts, no network) to FILE");
  flags.String("from", "", &from_path,
               "read the report from a report.json (codi run writes out/<job>/report.json) "
               "instead of a job");
  flags.String("eval", "", &eval_path,
               "add an eval's scores and per-turn curve (codi eval's DIR/eval.json) to the page");
  if (auto r = flags.Parse(argc, argv, 2); r != FlagSet::kOk) return r == FlagSet::kHelp ? 0 : 2;
  const bool has_job = flags.positional().size() == 1;
  const int sources = (state_dir.empty() ? 0 : 1) + (coordinator.address.empty() ? 0 : 1);
  const bool job_ok = has_job && sources == 1 && from_path.empty();
  const bool from_ok = flags.positional().empty() && sources == 0 && !from_path.empty();
  const bool eval_only =
      flags.positional().empty() && sources == 0 && from_path.empty() && !eval_path.empty();
  if (!job_ok && !from_ok && !eval_only) {
    std::cerr << "codi report: expected JOB_ID and one of --state DIR or --coordinator HOST:PORT, "
                 "or --from REPORT_JSON (see --help)\n";
    return 2;
  }
  if (html_path.empty() && (!from_path.empty() || !eval_path.empty())) {
    std::cerr << "codi report: --from and --eval make an HTML page: add --html FILE\n";
    return 2;
  }
  if (json && !html_path.empty()) {
    std::cerr << "codi report: give --json or --html, not both\n";
    return 2;
  }
  std::optional<nlohmann::ordered_json> eval;
  if (!eval_path.empty()) {
    auto loaded = ReadJsonFile(eval_path);
    if (!loaded.ok()) {
      std::cerr << "codi report: --eval: " << loaded.status().message() << "\n";
      return 2;
    }
    eval = *std::move(loaded);
  }

  std::optional<nlohmann::ordered_json> report;
  std::string text, source;
  if (!from_path.empty()) {
    auto loaded = ReadJsonFile(from_path);
    if (!loaded.ok()) {
      std::cerr << "codi report: --from: " << loaded.status().message() << "\n";
      return 2;
    }
    report = *std::move(loaded);
    source = from_path;
  } else if (!coordinator.address.empty()) {
    int code = 0;
    auto response = FetchRemoteReport(coordinator, flags.positional()[0], &code);
    if (!response.has_value()) return code;
    if (json) {
      std::cout << response->report_json() << "\n";
      return 0;
    }
    text = response->report_text();
    auto parsed = nlohmann::ordered_json::parse(response->report_json(), nullptr,
                                                /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
      std::cerr << "codi report: the coordinator's report is not valid JSON\n";
      return 1;
    }
    report = std::move(parsed);
    source = "coordinator " + coordinator.address;
  } else if (has_job) {
    if (!std::filesystem::exists(state_dir)) {
      std::cerr << "codi report: state directory " << state_dir << " does not exist\n";
      return 2;
    }
    auto state = OpenLocalState(state_dir, false);
    if (!state.ok()) {
      std::cerr << "codi report: " << state.status().message() << "\n";
      return 1;
    }
    auto built = BuildJobReport(*state->store, flags.positional()[0]);
    if (!built.ok()) {
      std::cerr << "codi report: " << built.status().message() << "\n";
      return built.status().code() == absl::StatusCode::kNotFound ? 2 : 1;
    }
    report = *std::move(built);
    text = FormatJobReport(*report);
    source = "state " + state_dir;
  }

  if (html_path.empty()) {
    std::cout << (json ? report->dump(2) + "\n" : text);
    return 0;
  }
  const ReportHtmlInput input{.report = report.has_value() ? &*report : nullptr,
                              .eval = eval.has_value() ? &*eval : nullptr,
                              .source = source};
  if (auto written = WriteReportHtml(html_path, input); !written.ok()) {
    std::cerr << "codi report: " << written.message() << "\n";
    return 1;
  }
  std::cout << "wrote " << html_path << "\n";
  return 0;
}

// Checks job specs as `run` and `submit` read them (schema and semantics,
// documents not opened): one line each, exit 2 if any is bad.
int ValidateCommand(int argc, char** argv) {
  FlagSet flags("codi validate", "check job specs without running them");
  flags.AddUsage("codi validate JOB.yaml...");
  if (auto r = flags.Parse(argc, argv, 2); r != FlagSet::kOk) return r == FlagSet::kHelp ? 0 : 2;
  if (flags.positional().empty()) {
    std::cerr << "codi validate: expected one or more job files (see --help)\n";
    return 2;
  }
  int code = 0;
  for (const std::string& path : flags.positional()) {
    auto spec = LoadJobSpecFile(path);
    if (!spec.ok()) {
      std::cerr << spec.status().message() << "\n";
      code = 2;
      continue;
    }
    std::cout << path << ": valid job '" << spec->name() << "', " << spec->graph().links_size()
              << " links, documents " << spec->documents().path() << "\n";
  }
  return code;
}

template <typename ImportFn>
int ImportCommand(int argc, char** argv, const char* name, const char* what, ImportFn import) {
  FlagSet flags(std::string("codi ") + name, what);
  flags.AddUsage(std::string("codi ") + name + " FILE --out DOCS.jsonl");
  std::string out;
  // A file, not the shared --out DIR: no CODI_OUT.
  flags.String("out", "", &out, "documents JSONL to write");
  if (auto r = flags.Parse(argc, argv, 2); r != FlagSet::kOk) return r == FlagSet::kHelp ? 0 : 2;
  if (flags.positional().size() != 1 || out.empty()) {
    std::cerr << "codi " << name << ": expected FILE and --out DOCS.jsonl (see --help)\n";
    return 2;
  }
  auto stats = import(flags.positional()[0], out);
  if (!stats.ok()) {
    std::cerr << "codi " << name << ": " << stats.status().message() << "\n";
    return 2;
  }
  for (const auto& w : stats->warnings) std::cerr << "codi " << name << ": warning: " << w << "\n";
  std::cout << "wrote " << stats->documents << " documents with " << stats->questions
            << " seed questions to " << out;
  if (stats->skipped > 0) std::cout << " (" << stats->skipped << " skipped)";
  std::cout << "\n";
  return 0;
}

// Web pages, Markdown, text and JSONL to passages: bad input is warned about
// and skipped, never fatal; exit 0 with a summary line.
int ImportTextCommand(int argc, char** argv) {
  FlagSet flags("codi import-text",
                "cut text, Markdown, HTML and JSONL files into passages in a documents JSONL");
  flags.AddUsage(
      "codi import-text FILE|DIR... --out DOCS.jsonl [--chunk-chars N] [--overlap-chars N]");
  std::string out;
  const ChunkOptions defaults;
  int64_t chunk_chars = static_cast<int64_t>(defaults.chunk_chars);
  int64_t overlap_chars = static_cast<int64_t>(defaults.overlap_chars);
  // A file, not the shared --out DIR: no CODI_OUT.
  flags.String("out", "", &out, "documents JSONL to write");
  flags.Int("chunk-chars", "", &chunk_chars,
            "most characters in a passage; cut at paragraph, then sentence, then word boundaries");
  flags.Int("overlap-chars", "", &overlap_chars,
            "characters of a passage's end repeated at the start of the next (below "
            "--chunk-chars)");
  if (auto r = flags.Parse(argc, argv, 2); r != FlagSet::kOk) return r == FlagSet::kHelp ? 0 : 2;
  if (flags.positional().empty() || out.empty()) {
    std::cerr << "codi import-text: expected FILE or DIR arguments and --out DOCS.jsonl (see "
                 "--help)\n";
    return 2;
  }
  if (chunk_chars < 100 || chunk_chars > 1000000) {
    std::cerr << "codi import-text: --chunk-chars must be between 100 and 1000000\n";
    return 2;
  }
  if (overlap_chars < 0 || overlap_chars >= chunk_chars) {
    std::cerr << "codi import-text: --overlap-chars must be at least 0 and below --chunk-chars\n";
    return 2;
  }
  ChunkOptions options;
  options.chunk_chars = static_cast<size_t>(chunk_chars);
  options.overlap_chars = static_cast<size_t>(overlap_chars);
  auto stats = ImportTextFiles(flags.positional(), out, options, [](const std::string& warning) {
    std::cerr << "codi import-text: warning: " << warning << "\n";
  });
  if (!stats.ok()) {
    std::cerr << "codi import-text: " << stats.status().message() << "\n";
    return stats.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  std::cout << "wrote " << stats->passages << " passages from " << stats->files << " files to "
            << out << " (" << stats->skipped << " skipped)\n";
  return 0;
}

}  // namespace
}  // namespace codi

int main(int argc, char** argv) {
  codi::DisableMutexDeadlockDetection();
  if (argc < 2) {
    std::cerr << codi::kUsage;
    return 2;
  }
  const std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << codi::kUsage;
    return 0;
  }
  if (command == "version" || command == "--version") {
    std::cout << "codi " << codi::Version() << "\n";
    return 0;
  }
  if (command == "run") return codi::RunCommand(argc, argv);
  if (command == "validate") return codi::ValidateCommand(argc, argv);
  if (command == "submit") return codi::SubmitCommand(argc, argv);
  if (command == "status") return codi::StatusCommand(argc, argv);
  if (command == "watch") return codi::WatchCommand(argc, argv);
  if (command == "cancel") return codi::CancelCommand(argc, argv);
  if (command == "export") return codi::ExportCommand(argc, argv);
  if (command == "report") return codi::ReportCommand(argc, argv);
  if (command == "token") return codi::TokenCommand(argc, argv);
  if (command == "eval") return codi::EvalCommand(argc, argv);
  if (command == "import-coqa") {
    return codi::ImportCommand(argc, argv, "import-coqa", "turn CoQA JSON into documents JSONL",
                               codi::ImportCoqa);
  }
  if (command == "import-text") return codi::ImportTextCommand(argc, argv);
  if (command == "import-quac") {
    return codi::ImportCommand(argc, argv, "import-quac", "turn QuAC JSON into documents JSONL",
                               codi::ImportQuac);
  }
  std::cerr << "codi: unknown command '" << command << "'\n\n" << codi::kUsage;
  return 2;
}
