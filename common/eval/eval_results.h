// What `codi eval` records: one scored item per turn, the append-only log that
// makes an interrupted eval resumable (DIR/eval.items.jsonl), and the summary
// it prints and writes (DIR/eval.json).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/base/mutex.h"
#include "common/eval/qa_dataset.h"
#include "nlohmann/json.hpp"

namespace codi {

struct EvalItem {
  std::string dialog_id;
  int turn = 0;  // 1-based turn index in the dialog
  std::string turn_id;
  std::string question;
  std::vector<std::string> references;
  std::string prediction;
  // Per-item scores on the official scripts' 0..1 scale. CoQA: f1, recall,
  // exact. QuAC: f1 (leave_one_out_max), human_f1, and whether the official
  // overall F1 counts the item (human_f1 >= 0.4).
  double f1 = 0;
  double recall = 0;
  double exact = 0;
  double human_f1 = 0;
  bool counted = true;
};

// Scores `prediction` for `turn` as the format's official script does.
EvalItem ScoreItem(QaFormat format, const QaDialog& dialog, const QaTurn& turn,
                   std::string prediction);

nlohmann::json ItemToJson(QaFormat format, const EvalItem& item);
[[nodiscard]] absl::StatusOr<EvalItem> ItemFromJson(const nlohmann::json& j);

// The append-only log of finished items. Each Append writes one JSON line and
// fsyncs it before returning, so an item is either in the log whole or not at
// all after a crash; Open reads the lines back, ignoring (and cutting off) a
// torn last line. A line holds {"key": "<dialog id>\t<turn>", "item": {...}}.
class EvalItemLog {
 public:
  // Opens or creates `path`. `fingerprint` names what is evaluated (data,
  // history mode, model); a log made for another fingerprint is an error.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<EvalItemLog>> Open(
      const std::string& path, const std::string& fingerprint);
  ~EvalItemLog();

  // Items read back at Open, by (dialog id, turn).
  const std::map<std::pair<std::string, int>, EvalItem>& recovered() const { return recovered_; }
  // Thread-safe.
  [[nodiscard]] absl::Status Append(QaFormat format, const EvalItem& item);

 private:
  EvalItemLog(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  const std::string path_;
  codi::Mutex mu_;
  int fd_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, int>, EvalItem> recovered_;
};

struct EvalScores {
  uint64_t items = 0;        // items scored
  uint64_t counted = 0;      // of which the overall figure counts (QuAC's filter; CoQA: all)
  double f1 = 0;             // 0..100, over the counted items
  double recall = 0;         // CoQA
  double exact = 0;          // CoQA
  double unfiltered_f1 = 0;  // QuAC: over every item
};

struct EvalSummary {
  QaFormat format = QaFormat::kCoqa;
  EvalScores overall;
  std::map<int, EvalScores> per_turn;  // by turn index
};

EvalSummary Summarize(QaFormat format, const std::vector<EvalItem>& items);

// Where an eval ran and on what, for eval.json and the table.
struct EvalRunInfo {
  std::string data;
  std::string form;
  std::string student;
  std::string model;
  std::string history;  // "gold" or "pred"
  uint64_t dialogs = 0;
  uint64_t items_total = 0;  // turns in the data
  uint64_t failed = 0;       // turns without a prediction (student failures, skipped turns)
};

// eval.json: run info, overall scores, per-turn scores and every item.
nlohmann::json EvalJson(const EvalRunInfo& info, const EvalSummary& summary,
                        const std::vector<EvalItem>& items);
// The table `codi eval` prints.
std::string FormatEvalTable(const EvalRunInfo& info, const EvalSummary& summary);

// Writes `content` to `path` through a temporary file and a rename.
[[nodiscard]] absl::Status WriteFileAtomically(const std::string& path, const std::string& content);

}  // namespace codi
