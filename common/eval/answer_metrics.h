// The scores of the CoQA and QuAC official evaluation scripts, one answer at a
// time (CoQA evaluate-v1.0.py, QuAC scorer.py), written anew in C++.
//
// Normalisation (both scripts): lower case, ASCII punctuation removed, the
// words a/an/the removed where they stand alone (the regex \b(a|an|the)\b),
// whitespace collapsed; tokens are the normalised text split at whitespace.
// Python's Unicode rules are followed for the common cases: upper case in
// Latin-1, Latin Extended-A, Greek and Cyrillic is lowered; non-ASCII letters
// and digits are word characters; Unicode spaces separate tokens.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace codi {

// QuAC's unanswerable marker: a reference or prediction of exactly this text.
inline constexpr absl::string_view kCannotAnswer = "CANNOTANSWER";
// QuAC's official scorer leaves out questions whose references agree less
// than this with each other (--min_f1).
inline constexpr double kQuacMinHumanF1 = 0.4;

// The official normalize_answer.
std::string NormalizeAnswer(absl::string_view text);
// Whitespace tokens of NormalizeAnswer(text) (CoQA's get_tokens).
std::vector<std::string> AnswerTokens(absl::string_view text);

// CoQA compute_f1 / compute_exact, and the token recall (shared tokens over
// the reference's tokens) the CoDi paper reports for CoQA. When either side
// has no tokens, F1 and recall are 1 if both have none, else 0.
double CoqaF1(absl::string_view reference, absl::string_view prediction);
double CoqaRecall(absl::string_view reference, absl::string_view prediction);
bool CoqaExact(absl::string_view reference, absl::string_view prediction);

struct CoqaScore {
  double f1 = 0;
  double recall = 0;
  double exact = 0;
};
// CoQA's _compute_turn_score: with one reference, the score against it; with
// n > 1, the mean over leaving each reference out of the best over the rest.
CoqaScore CoqaTurnScore(const std::vector<std::string>& references, absl::string_view prediction);

// QuAC f1_score: 0 when no token is shared (also when either side is empty).
double QuacF1(absl::string_view prediction, absl::string_view reference);
// QuAC handle_cannot: when at least half the references are CANNOTANSWER the
// only reference is CANNOTANSWER, else the CANNOTANSWER ones are dropped.
std::vector<std::string> QuacHandleCannot(const std::vector<std::string>& references);
// QuAC leave_one_out: the references' F1 against each other (1 for one).
double QuacHumanF1(const std::vector<std::string>& references);
// QuAC's score of one reference: CANNOTANSWER scores 1 only against
// CANNOTANSWER, anything else is QuacF1.
double QuacSingleScore(absl::string_view prediction, absl::string_view reference);

struct QuacScore {
  double f1 = 0;              // leave_one_out_max over the handled references
  double human_f1 = 0;        // QuacHumanF1 of the handled references
  bool unanswerable = false;  // the handled references are just CANNOTANSWER
  // Whether the official overall F1 counts the question (human_f1 >= min_f1).
  bool counted = false;
};
// One QuAC question as the official scorer scores it: CANNOTANSWER handled,
// then leave_one_out_max of the prediction (trimmed of surrounding
// whitespace, nothing else) over the references.
QuacScore QuacTurnScore(const std::vector<std::string>& references, absl::string_view prediction,
                        double min_f1 = kQuacMinHumanF1);

}  // namespace codi
