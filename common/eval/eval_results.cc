#include "common/eval/eval_results.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/base/json_parse.h"
#include "common/base/status_macros.h"
#include "common/eval/answer_metrics.h"

namespace codi {
namespace {

using nlohmann::json;

absl::Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::ErrnoToStatus(errno, path + ": write failed");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

double Percent(double sum, uint64_t n) {
  return n == 0 ? 0.0 : 100.0 * sum / static_cast<double>(n);
}

json ScoresJson(QaFormat format, const EvalScores& s) {
  json j = {{"items", s.items}, {"f1", s.f1}};
  if (format == QaFormat::kCoqa) {
    j["recall"] = s.recall;
    j["exact"] = s.exact;
  } else {
    j["counted"] = s.counted;
    j["unfiltered_f1"] = s.unfiltered_f1;
  }
  return j;
}

}  // namespace

EvalItem ScoreItem(QaFormat format, const QaDialog& dialog, const QaTurn& turn,
                   std::string prediction) {
  EvalItem item;
  item.dialog_id = dialog.id;
  item.turn = turn.index;
  item.turn_id = turn.id;
  item.question = turn.question;
  item.references = turn.references;
  item.prediction = std::move(prediction);
  if (format == QaFormat::kCoqa) {
    const CoqaScore s = CoqaTurnScore(item.references, item.prediction);
    item.f1 = s.f1;
    item.recall = s.recall;
    item.exact = s.exact;
  } else {
    const QuacScore s = QuacTurnScore(item.references, item.prediction);
    item.f1 = s.f1;
    item.human_f1 = s.human_f1;
    item.counted = s.counted;
  }
  return item;
}

json ItemToJson(QaFormat format, const EvalItem& item) {
  json j = {{"dialog_id", item.dialog_id},
            {"turn", item.turn},
            {"turn_id", item.turn_id},
            {"question", item.question},
            {"references", item.references},
            {"prediction", item.prediction},
            {"f1", item.f1}};
  if (format == QaFormat::kCoqa) {
    j["recall"] = item.recall;
    j["exact"] = item.exact;
  } else {
    j["human_f1"] = item.human_f1;
    j["counted"] = item.counted;
  }
  return j;
}

absl::StatusOr<EvalItem> ItemFromJson(const json& j) {
  if (!j.is_object()) return absl::InvalidArgumentError("item: expected an object");
  EvalItem item;
  try {
    item.dialog_id = j.at("dialog_id").get<std::string>();
    item.turn = j.at("turn").get<int>();
    item.turn_id = j.value("turn_id", "");
    item.question = j.at("question").get<std::string>();
    item.references = j.at("references").get<std::vector<std::string>>();
    item.prediction = j.at("prediction").get<std::string>();
    item.f1 = j.at("f1").get<double>();
    item.recall = j.value("recall", 0.0);
    item.exact = j.value("exact", 0.0);
    item.human_f1 = j.value("human_f1", 0.0);
    item.counted = j.value("counted", true);
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("item: ", e.what()));
  }
  return item;
}

absl::StatusOr<std::unique_ptr<EvalItemLog>> EvalItemLog::Open(const std::string& path,
                                                               const std::string& fingerprint) {
  std::string content;
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::ostringstream buffer;
      buffer << in.rdbuf();
      content = buffer.str();
    }
  }
  // Whole lines only: what follows the last newline is a torn write.
  size_t good_end = 0;
  bool have_header = false;
  std::map<std::pair<std::string, int>, EvalItem> recovered;
  uint64_t line_number = 0;
  for (size_t start = 0; start < content.size();) {
    const size_t eol = content.find('\n', start);
    if (eol == std::string::npos) break;
    ++line_number;
    const std::string_view line(content.data() + start, eol - start);
    const std::string where = absl::StrCat(path, ":", line_number);
    absl::StatusOr<json> row = ParseJson(line);
    if (!row.ok()) return absl::DataLossError(absl::StrCat(where, ": ", row.status().message()));
    if (!have_header) {
      if (!row->is_object() || !row->contains("fingerprint") ||
          !(*row)["fingerprint"].is_string()) {
        return absl::DataLossError(where + ": expected the {\"fingerprint\": ...} header");
      }
      if ((*row)["fingerprint"].get<std::string>() != fingerprint) {
        return absl::FailedPreconditionError(
            absl::StrCat(path, " holds another eval (", (*row)["fingerprint"].get<std::string>(),
                         "); this one is ", fingerprint, ": use another --out directory"));
      }
      have_header = true;
    } else {
      absl::StatusOr<EvalItem> item = row->is_object() && row->contains("item")
                                          ? ItemFromJson((*row)["item"])
                                          : absl::InvalidArgumentError("no \"item\"");
      if (!item.ok())
        return absl::DataLossError(absl::StrCat(where, ": ", item.status().message()));
      std::pair<std::string, int> key(item->dialog_id, item->turn);
      recovered.insert_or_assign(std::move(key), *std::move(item));
    }
    good_end = eol + 1;
    start = eol + 1;
  }

  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return absl::ErrnoToStatus(errno, path + ": cannot open");
  if (::ftruncate(fd, static_cast<off_t>(good_end)) != 0 || ::lseek(fd, 0, SEEK_END) < 0) {
    const int err = errno;
    ::close(fd);
    return absl::ErrnoToStatus(err, path + ": cannot cut off a torn line");
  }
  std::unique_ptr<EvalItemLog> log(new EvalItemLog(path, fd));
  log->recovered_ = std::move(recovered);
  if (!have_header) {
    codi::MutexLock lock(&log->mu_);
    CODI_RETURN_IF_ERROR(WriteAll(fd, json({{"fingerprint", fingerprint}}).dump() + "\n", path));
    if (::fsync(fd) != 0) return absl::ErrnoToStatus(errno, path + ": fsync failed");
  }
  return log;
}

EvalItemLog::~EvalItemLog() {
  codi::MutexLock lock(&mu_);
  if (fd_ >= 0) ::close(fd_);
}

absl::Status EvalItemLog::Append(QaFormat format, const EvalItem& item) {
  const std::string line = json({{"key", absl::StrCat(item.dialog_id, "\t", item.turn)},
                                 {"item", ItemToJson(format, item)}})
                               .dump(-1, ' ', false, json::error_handler_t::replace) +
                           "\n";
  codi::MutexLock lock(&mu_);
  CODI_RETURN_IF_ERROR(WriteAll(fd_, line, path_));
  if (::fsync(fd_) != 0) return absl::ErrnoToStatus(errno, path_ + ": fsync failed");
  return absl::OkStatus();
}

EvalSummary Summarize(QaFormat format, const std::vector<EvalItem>& items) {
  struct Sums {
    uint64_t items = 0, counted = 0;
    double f1 = 0, recall = 0, exact = 0, unfiltered = 0;
    void Add(const EvalItem& item) {
      ++items;
      unfiltered += item.f1;
      if (!item.counted) return;
      ++counted;
      f1 += item.f1;
      recall += item.recall;
      exact += item.exact;
    }
    EvalScores Scores() const {
      return {items,
              counted,
              Percent(f1, counted),
              Percent(recall, counted),
              Percent(exact, counted),
              Percent(unfiltered, items)};
    }
  };
  Sums overall;
  std::map<int, Sums> per_turn;
  for (const EvalItem& item : items) {
    overall.Add(item);
    per_turn[item.turn].Add(item);
  }
  EvalSummary summary;
  summary.format = format;
  summary.overall = overall.Scores();
  for (const auto& [turn, sums] : per_turn) summary.per_turn[turn] = sums.Scores();
  return summary;
}

json EvalJson(const EvalRunInfo& info, const EvalSummary& summary,
              const std::vector<EvalItem>& items) {
  json per_turn = json::array();
  for (const auto& [turn, scores] : summary.per_turn) {
    json t = ScoresJson(summary.format, scores);
    t["turn"] = turn;
    per_turn.push_back(std::move(t));
  }
  json all = json::array();
  for (const EvalItem& item : items) all.push_back(ItemToJson(summary.format, item));
  return {{"format", std::string(QaFormatName(summary.format))},
          {"form", info.form},
          {"data", info.data},
          {"student", info.student},
          {"model", info.model},
          {"history", info.history},
          {"dialogs", info.dialogs},
          {"items_total", info.items_total},
          {"items_scored", items.size()},
          {"failed", info.failed},
          {"overall", ScoresJson(summary.format, summary.overall)},
          {"per_turn", std::move(per_turn)},
          {"items", std::move(all)}};
}

std::string FormatEvalTable(const EvalRunInfo& info, const EvalSummary& summary) {
  const bool coqa = summary.format == QaFormat::kCoqa;
  const EvalScores& o = summary.overall;
  std::string out = absl::StrFormat(
      "codi eval: %s (%s), %d dialogs, %d of %d turns scored, history %s\n"
      "student %s%s\n\n",
      QaFormatName(summary.format), info.form, info.dialogs, o.items, info.items_total,
      info.history, info.student, info.model.empty() ? "" : ", model " + info.model);
  if (coqa) {
    absl::StrAppendFormat(&out, "%-8s %6s %7s %7s %7s\n", "turn", "items", "F1", "recall", "exact");
  } else {
    absl::StrAppendFormat(&out, "%-8s %6s %7s %7s %10s\n", "turn", "items", "F1", "counted",
                          "unfilt.F1");
  }
  auto row = [&](const std::string& label, const EvalScores& s) {
    if (coqa) {
      absl::StrAppendFormat(&out, "%-8s %6d %7.1f %7.1f %7.1f\n", label, s.items, s.f1, s.recall,
                            s.exact);
    } else {
      absl::StrAppendFormat(&out, "%-8s %6d %7.1f %7d %10.1f\n", label, s.items, s.f1, s.counted,
                            s.unfiltered_f1);
    }
  };
  for (const auto& [turn, scores] : summary.per_turn) row(absl::StrCat(turn), scores);
  row("overall", o);
  if (info.failed > 0) {
    absl::StrAppendFormat(&out,
                          "\n%d turns have no prediction (student failures); run the same "
                          "command again to retry them\n",
                          info.failed);
  }
  return out;
}

absl::Status WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return absl::ErrnoToStatus(errno, tmp + ": cannot open");
  absl::Status written = WriteAll(fd, content, tmp);
  if (written.ok() && ::fsync(fd) != 0) written = absl::ErrnoToStatus(errno, tmp + ": fsync");
  ::close(fd);
  if (!written.ok()) return written;
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::ErrnoToStatus(errno, path + ": rename failed");
  }
  return absl::OkStatus();
}

}  // namespace codi
