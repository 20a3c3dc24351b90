#include "tools/teacher_sim/reply/reply_writer.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "common/base/deterministic_rng.h"
#include "tools/teacher_sim/reply/passage.h"

namespace codi {
namespace {

// Rotates the first min(window, size) elements by a random amount, keeping
// the rest in place: the seed picks among the best few candidates. A plain
// modulo, not DeterministicRng::Below's rejection sampling, so that replies
// stay the ones the simulator has always written.
template <typename T>
void RotateFront(std::vector<T>* v, size_t window, DeterministicRng* rng) {
  const size_t n = std::min(window, v->size());
  if (n < 2) return;
  std::rotate(v->begin(), v->begin() + static_cast<long>(rng->Next() % n),
              v->begin() + static_cast<long>(n));
}

// How many sentences a question may be drawn from, nearest first.
constexpr size_t kMaxQuestionSentences = 64;

enum class Speaker { kAsker, kAnswerer, kNarrator };

bool ContainsAny(absl::string_view haystack, std::initializer_list<absl::string_view> needles) {
  for (absl::string_view n : needles) {
    if (absl::StrContains(haystack, n)) return true;
  }
  return false;
}

Speaker SpeakerForRole(absl::string_view role) {
  const std::string upper = absl::AsciiStrToUpper(role);
  if (ContainsAny(upper, {"USER", "HUMAN", "CUSTOMER", "STUDENT", "CLIENT", "ASKER", "QUESTION"})) {
    return Speaker::kAsker;
  }
  if (ContainsAny(upper, {"AGENT", "ASSISTANT", "BOT", "TEACHER", "EXPERT", "ANSWER", "SUPPORT",
                          "TUTOR"})) {
    return Speaker::kAnswerer;
  }
  return Speaker::kNarrator;
}

Speaker SpeakerFor(const ParsedPrompt& prompt) {
  Speaker s = SpeakerForRole(prompt.target_role);
  if (s != Speaker::kNarrator) return s;
  const std::string lower = absl::AsciiStrToLower(prompt.instruction);
  if (absl::StartsWith(lower, "answer") || absl::StrContains(lower, " answer ")) {
    return Speaker::kAnswerer;
  }
  if (absl::StartsWith(lower, "ask") || absl::StrContains(lower, "ask a")) return Speaker::kAsker;
  return Speaker::kNarrator;
}

struct Style {
  bool coreference = false;
  bool discourse = false;
  bool clarification = false;
  bool topic_switch = false;
  bool ellipsis = false;
  bool yes_no = false;
};

Style ReadStyle(const ParsedPrompt& p) {
  const std::string text = absl::AsciiStrToLower(absl::StrCat(p.phenomena, " ", p.instruction));
  Style s;
  s.coreference = ContainsAny(text, {"coreference", "co-reference", "pronoun", "refer back"});
  s.discourse = ContainsAny(text, {"discourse", "connective"});
  s.clarification = ContainsAny(text, {"clarif"});
  s.topic_switch =
      ContainsAny(text, {"topic switch", "topic_switch", "topic shift", "switch topic",
                         "change the topic", "new topic", "different topic", "switch the topic"});
  s.ellipsis = ContainsAny(text, {"ellipsis", "elliptical", "ellipses"});
  s.yes_no = ContainsAny(text, {"yes/no", "yes or no", "yes-no", "boolean", "polar question"});
  const std::string example = absl::AsciiStrToLower(p.example);
  for (absl::string_view aux :
       {"is ", "are ", "was ", "were ", "did ", "does ", "do ", "can ", "has ", "have "}) {
    if (absl::StartsWith(example, aux)) s.yes_no = true;
  }
  return s;
}

std::string StripTrailingPunct(absl::string_view s) {
  s = absl::StripAsciiWhitespace(s);
  while (!s.empty() && (s.back() == '.' || s.back() == ',' || s.back() == ';' || s.back() == ':' ||
                        s.back() == '!' || s.back() == '?')) {
    s.remove_suffix(1);
  }
  return std::string(absl::StripAsciiWhitespace(s));
}

// Lower-cases the first letter unless the first word looks like a name or
// an acronym ("NASA", "Vancouver" stay).
std::string LowerFirst(std::string s) {
  static const auto* openers = new absl::flat_hash_set<std::string>{
      "What", "Who",  "When",  "Where",  "Which",  "How",  "Why",   "Is",   "Are",
      "Was",  "Were", "Can",   "Could",  "Did",    "Does", "Do",    "The",  "A",
      "An",   "In",   "It",    "Its",    "This",   "That", "These", "They", "There",
      "On",   "At",   "After", "Before", "During", "He",   "She",   "His",  "Her"};
  const std::string first = std::string(s.substr(0, s.find(' ')));
  if (openers->contains(first)) s[0] = absl::ascii_tolower(static_cast<unsigned char>(s[0]));
  return s;
}

std::string UpperFirst(std::string s) {
  if (!s.empty()) s[0] = absl::ascii_toupper(static_cast<unsigned char>(s[0]));
  return s;
}

// Caps a text at `max_words` words, cutting at a word boundary.
std::string CapWords(absl::string_view text, size_t max_words) {
  size_t words = 0;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && absl::ascii_isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i >= text.size()) break;
    if (words == max_words) return std::string(absl::StripAsciiWhitespace(text.substr(0, i)));
    ++words;
    while (i < text.size() && !absl::ascii_isspace(static_cast<unsigned char>(text[i]))) ++i;
  }
  return std::string(text);
}

struct Pronouns {
  std::string subject, object, possessive;
  bool plural = false;
};

// A clause of a sentence: [begin, end) in bytes of the sentence text.
struct Clause {
  size_t begin, end;
};

std::vector<Clause> SplitClauses(absl::string_view s) {
  std::vector<Clause> out;
  size_t start = 0;
  auto push = [&](size_t end) {
    absl::string_view c = s.substr(start, end - start);
    const size_t lead = c.size() - absl::StripLeadingAsciiWhitespace(c).size();
    c = absl::StripAsciiWhitespace(c);
    if (!c.empty()) out.push_back({start + lead, start + lead + c.size()});
  };
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool at_space = i + 1 < s.size() && s[i + 1] == ' ';
    if (((c == ',' || c == ';' || c == ':') && at_space) || c == '(' || c == ')') {
      push(i);
      start = i + 1;
    } else if (absl::StartsWith(s.substr(i), " - ") || absl::StartsWith(s.substr(i), " \u2013 ") ||
               absl::StartsWith(s.substr(i), " \u2014 ")) {
      push(i);
      start = i + 1;
    }
  }
  push(s.size());
  return out;
}

class Writer {
 public:
  Writer(const ParsedPrompt& prompt, uint64_t seed)
      : prompt_(prompt), passage_(prompt.document), style_(ReadStyle(prompt)), rng_(0) {
    uint64_t h = Fnv1a64(prompt.document);
    for (const auto& t : prompt.history) {
      h = Fnv1a64(t.text, Fnv1a64(t.role, h));
      history_keys_.insert(RepeatKey(t.text));
      for (const Phrase& p : passage_.FindPhrases(t.text)) asked_.insert(RepeatKey(p.text));
    }
    h = Fnv1a64(prompt.target_role, h);
    h = Fnv1a64(prompt.instruction, h);
    h = Fnv1a64(prompt.phenomena, h);
    h = Fnv1a64(prompt.example, h);
    // One SplitMix64 step on from the hash: the stream replies were always
    // drawn from.
    rng_ = DeterministicRng(HashCombine(h, seed) + kSplitMix64Gamma);
    MarkCovered();
  }

  std::string Write() {
    switch (SpeakerFor(prompt_)) {
      case Speaker::kAsker:
        return WriteQuestion();
      case Speaker::kAnswerer:
        return WriteAnswer();
      case Speaker::kNarrator:
        return WriteStatement();
    }
    return WriteStatement();
  }

 private:
  const std::vector<Sentence>& sentences() const { return passage_.sentences(); }

  bool IsFresh(const std::string& text) const {
    const std::string key = RepeatKey(text);
    return !key.empty() && !history_keys_.contains(key);
  }

  // The first candidate that repeats no turn, or "" when all do.
  std::string FirstFresh(const std::vector<std::string>& candidates) const {
    for (const auto& c : candidates) {
      if (IsFresh(c)) return c;
    }
    return "";
  }

  // Marks the sentence each earlier turn was about. An answer is matched
  // together with the turn before it, since a short span ("Canada") matches
  // best in the context of its question.
  void MarkCovered() {
    covered_.assign(sentences().size(), false);
    const auto& h = prompt_.history;
    for (size_t i = 0; i < h.size(); ++i) {
      std::vector<std::string> words = ContentWords(h[i].text);
      if (i > 0 && SpeakerForRole(h[i].role) == Speaker::kAnswerer) {
        for (auto& w : ContentWords(h[i - 1].text)) words.push_back(std::move(w));
      }
      const int best = passage_.BestMatch(words);
      if (best >= 0) {
        covered_[static_cast<size_t>(best)] = true;
        last_sentence_ = best;
      }
    }
  }

  // Sentences to ask or tell about next, best first: uncovered ones after
  // the last sentence discussed (wrapping around), or far from it for a topic
  // switch; the seed rotates the first few.
  std::vector<size_t> NextSentences(bool far) {
    const size_t m = sentences().size();
    std::vector<size_t> order;
    const size_t start = last_sentence_ < 0 ? 0 : static_cast<size_t>(last_sentence_) + 1;
    for (int pass = 0; pass < 3 && order.empty(); ++pass) {
      for (size_t k = 0; k < m; ++k) {
        const size_t i = (start + k) % m;
        if (pass == 0 && (covered_[i] || sentences()[i].word_count < 4)) continue;
        if (pass == 1 && sentences()[i].word_count < 4) continue;
        order.push_back(i);
      }
    }
    if (far && last_sentence_ >= 0 && m > 2) {
      const size_t min_distance = std::max<size_t>(2, m / 3);
      const size_t last = static_cast<size_t>(last_sentence_);
      std::stable_partition(order.begin(), order.end(), [&](size_t i) {
        const size_t d = i > last ? i - last : last - i;
        return std::min(d, m - d) >= min_distance;
      });
    }
    RotateFront(&order, 3, &rng_);
    return order;
  }

  // ---- questions -------------------------------------------------------

  std::string WriteQuestion() {
    if (passage_.empty()) {
      std::vector<std::string> c;
      if (!prompt_.title.empty())
        c.push_back(absl::StrCat("What can you tell me about ", prompt_.title, "?"));
      c.push_back("What is this document about?");
      c.push_back("What is the main point of the document?");
      return Finish(FirstFresh(c));
    }
    std::vector<std::string> candidates;
    if (style_.clarification) AddClarifications(&candidates);
    if (style_.coreference) AddCoreferences(&candidates);
    // Questions about a phrase the conversation already named go last.
    std::vector<std::string> stale;
    std::vector<size_t> order = NextSentences(style_.topic_switch);
    // Enough to find a fresh question; Finish() covers the rare rest.
    if (order.size() > kMaxQuestionSentences) order.resize(kMaxQuestionSentences);
    for (size_t i : order) {
      std::vector<Question> qs = QuestionsAbout(sentences()[i]);
      RotateFront(&qs, 3, &rng_);
      for (auto& q : qs) {
        (asked_.contains(q.phrase_key) ? stale : candidates).push_back(std::move(q.text));
      }
    }
    for (auto& q : stale) candidates.push_back(std::move(q));
    std::string q = FirstFresh(Styled(candidates));
    if (q.empty()) q = FirstFresh(candidates);
    return Finish(q);
  }

  // Applies discourse-marker and topic-switch phrasing (ellipsis shapes the
  // questions themselves).
  std::vector<std::string> Styled(const std::vector<std::string>& plain) {
    if (!style_.discourse && !style_.topic_switch) return plain;
    std::vector<std::string> out;
    for (const auto& q : plain) {
      if (style_.discourse && !absl::StartsWith(q, "What about") &&
          !absl::StartsWith(q, "How about")) {
        out.push_back(absl::StrCat("And ", LowerFirst(q)));
      } else if (style_.topic_switch && (rng_.Next() & 1) != 0) {
        out.push_back(absl::StrCat("Changing the subject, ", LowerFirst(q)));
      } else {
        out.push_back(q);
      }
    }
    return out;
  }

  struct Question {
    std::string text;
    std::string phrase_key;  // RepeatKey of the phrase it asks about
  };

  std::vector<Question> QuestionsAbout(const Sentence& s) {
    std::vector<Question> qs;
    auto add = [&qs](const Phrase* p, std::string text) {
      qs.push_back({std::move(text), p == nullptr ? "" : RepeatKey(p->text)});
    };
    const Phrase* subject = nullptr;
    const Phrase* date = nullptr;
    std::vector<const Phrase*> names, others;
    for (const Phrase& p : s.phrases) {
      if (p.kind == PhraseKind::kName) {
        if (p.is_subject && subject == nullptr) subject = &p;
        names.push_back(&p);
      } else if (p.kind == PhraseKind::kDate) {
        if (date == nullptr) date = &p;
        others.push_back(&p);
      } else {
        others.push_back(&p);
      }
    }
    if (style_.ellipsis) {
      for (const Phrase* p : names) add(p, absl::StrCat("What about ", p->text, "?"));
      for (const Phrase* p : others) {
        if (p->kind == PhraseKind::kDate) {
          add(p, absl::StrCat("What about ", DatePreposition(*p), " ", p->text, "?"));
        } else {
          add(p, absl::StrCat("What about ", p->text, "?"));
        }
      }
    }
    if (style_.yes_no) {
      add(nullptr, absl::StrCat("Is it true that ",
                                LowerFirst(CapWords(StripTrailingPunct(s.text), 25)), "?"));
      return qs;
    }
    if (subject != nullptr) {
      const std::string verb = VerbAfter(s, *subject);
      if (verb == "is" || verb == "was" || verb == "are" || verb == "were") {
        const bool who = s.mentions_person && subject->word_end - subject->word_index >= 2;
        add(subject, absl::StrCat(who ? "Who " : "What ", verb, " ", subject->text, "?"));
      } else if (date != nullptr) {
        add(subject, absl::StrCat("What did ", subject->text, " do ", DatePreposition(*date), " ",
                                  date->text, "?"));
      } else if (s.mentions_person && subject->word_end - subject->word_index >= 2) {
        add(subject, absl::StrCat("Who is ", subject->text, "?"));
      }
    }
    if (date != nullptr) {
      add(date, absl::StrCat("What happened ", DatePreposition(*date), " ", date->text, "?"));
    }
    for (const Phrase* p : names) {
      add(p, absl::StrCat("What does the passage say about ", p->text, "?"));
      add(p, absl::StrCat("What can you tell me about ", p->text, "?"));
    }
    for (const Phrase* p : others) {
      if (p->kind == PhraseKind::kDate) continue;
      add(p, absl::StrCat("What does the passage say about ", p->text, "?"));
    }
    if (qs.empty()) {
      // No phrase found: ask about the sentence's rarest content word.
      std::string best;
      double best_weight = -1;
      for (const auto& w : ContentWords(s.text)) {
        const double weight = passage_.Weight(w) + static_cast<double>(w.size()) * 0.01;
        if (weight > best_weight) {
          best_weight = weight;
          best = w;
        }
      }
      if (!best.empty())
        qs.push_back({absl::StrCat("What does the passage say about ", best, "?"), best});
    }
    return qs;
  }

  static std::string DatePreposition(const Phrase& date) {
    const std::string& p = date.preposition;
    if (p == "on" || p == "during" || p == "around" || p == "by" || p == "until" || p == "since" ||
        p == "after" || p == "before") {
      return p;
    }
    return "in";
  }

  // The lower-case word right after a phrase, or "".
  static std::string VerbAfter(const Sentence& s, const Phrase& p) {
    std::vector<Word> words = SplitWords(s.text);
    if (p.word_end >= words.size()) return "";
    return absl::AsciiStrToLower(words[p.word_end].text);
  }

  // The most recent turn of the given speaker, or nullptr.
  const PromptTurn* LastTurnOf(Speaker speaker) const {
    const auto& h = prompt_.history;
    for (size_t i = h.size(); i > 0; --i) {
      if (SpeakerForRole(h[i - 1].role) == speaker) return &h[i - 1];
    }
    return nullptr;
  }

  void AddClarifications(std::vector<std::string>* out) {
    const PromptTurn* answer = LastTurnOf(Speaker::kAnswerer);
    if (answer == nullptr && !prompt_.history.empty()) answer = &prompt_.history.back();
    if (answer == nullptr) return;
    // Names and noun phrases first; a date or number is a poor thing to ask
    // the meaning of.
    std::vector<std::string> targets, late;
    for (const Phrase& p : passage_.FindPhrases(answer->text)) {
      (p.kind == PhraseKind::kName || p.kind == PhraseKind::kNoun ? targets : late)
          .push_back(p.text);
    }
    const std::string whole = StripTrailingPunct(answer->text);
    if (!whole.empty() && std::count(whole.begin(), whole.end(), ' ') < 5) targets.push_back(whole);
    std::vector<std::string> words = ContentWords(answer->text);
    if (words.size() > 2) words.resize(2);
    if (!words.empty()) late.push_back(absl::StrJoin(words, " "));
    targets.insert(targets.end(), late.begin(), late.end());
    std::vector<std::string> qs;
    for (const auto& t : targets) {
      qs.push_back(absl::StrCat("What do you mean by ", t, "?"));
      qs.push_back(absl::StrCat("Could you explain what you mean by ", t, "?"));
    }
    RotateFront(&qs, 2, &rng_);
    for (auto& q : qs) out->push_back(std::move(q));
  }

  // The entity the last turns were about, for a pronoun to refer to.
  std::string Antecedent() const {
    for (Speaker sp : {Speaker::kAnswerer, Speaker::kAsker}) {
      const PromptTurn* t = LastTurnOf(sp);
      if (t == nullptr) continue;
      for (const Phrase& p : passage_.FindPhrases(t->text)) {
        if (p.kind == PhraseKind::kName && absl::StrContains(prompt_.document, p.text))
          return p.text;
      }
    }
    if (last_sentence_ >= 0) {
      for (const Phrase& p : sentences()[static_cast<size_t>(last_sentence_)].phrases) {
        if (p.kind == PhraseKind::kName) return p.text;
      }
    }
    return prompt_.title;
  }

  // "he"/"she" when a sentence with the entity as its subject uses that
  // pronoun, "they" for another person's name, else "it".
  Pronouns PronounsFor(const std::string& entity) const {
    bool person = false;
    for (size_t i = 0; i < sentences().size(); ++i) {
      const Sentence& s = sentences()[i];
      if (!absl::StrContains(s.text, entity)) continue;
      person = person || s.mentions_person;
      bool subject = false;
      for (const Phrase& p : s.phrases) subject = subject || (p.is_subject && p.text == entity);
      if (!subject) continue;
      int he = 0, she = 0;
      for (size_t j = i; j < std::min(i + 2, sentences().size()); ++j) {
        for (const Word& w : SplitWords(sentences()[j].text)) {
          const std::string lower = absl::AsciiStrToLower(w.text);
          if (lower == "he" || lower == "his" || lower == "him") ++he;
          if (lower == "she" || lower == "her" || lower == "hers") ++she;
        }
      }
      if (he > she) return {"he", "him", "his"};
      if (she > he) return {"she", "her", "her"};
    }
    if (person && std::count(entity.begin(), entity.end(), ' ') >= 1) {
      return {"they", "them", "their", true};
    }
    return {"it", "it", "its"};
  }

  void AddCoreferences(std::vector<std::string>* out) {
    const std::string entity = Antecedent();
    if (entity.empty()) return;
    const Pronouns pn = PronounsFor(entity);
    // Sentences that mention the entity again, nearest after the last one.
    std::vector<size_t> about;
    for (size_t i : NextSentences(false)) {
      if (absl::StrContains(sentences()[i].text, entity)) about.push_back(i);
    }
    std::vector<std::string> qs;
    for (size_t i : about) {
      for (const Phrase& p : sentences()[i].phrases) {
        if (absl::StrContains(entity, p.text) || absl::StrContains(p.text, entity)) continue;
        if (p.kind == PhraseKind::kDate) {
          qs.push_back(pn.subject == "it" ? absl::StrCat("What happened to it ", DatePreposition(p),
                                                         " ", p.text, "?")
                                          : absl::StrCat("What did ", pn.subject, " do ",
                                                         DatePreposition(p), " ", p.text, "?"));
        } else if (p.kind == PhraseKind::kName) {
          qs.push_back(absl::StrCat(pn.plural ? "How are " : "How is ", pn.subject,
                                    " connected to ", p.text, "?"));
        } else if (p.kind == PhraseKind::kNoun) {
          qs.push_back(absl::StrCat("What is ", pn.possessive, " ", p.text.substr(4), "?"));
        }
      }
    }
    RotateFront(&qs, 3, &rng_);
    std::vector<std::string> generic = {
        absl::StrCat("What else does the passage say about ", pn.object, "?"),
        absl::StrCat("What else is known about ", pn.object, "?"),
        absl::StrCat("Can you tell me more about ", pn.object, "?")};
    RotateFront(&generic, 3, &rng_);
    for (auto& q : qs) out->push_back(UpperFirst(std::move(q)));
    for (auto& q : generic) out->push_back(std::move(q));
  }

  // ---- answers ---------------------------------------------------------

  std::string WriteAnswer() {
    const auto& h = prompt_.history;
    // The question: the last turn of an asking role, else the last turn,
    // else the instruction.
    int q = -1;
    for (size_t i = h.size(); i > 0 && q < 0; --i) {
      if (SpeakerForRole(h[i - 1].role) == Speaker::kAsker) q = static_cast<int>(i - 1);
    }
    if (q < 0 && !h.empty()) q = static_cast<int>(h.size() - 1);
    const std::string question = q >= 0 ? h[static_cast<size_t>(q)].text : prompt_.instruction;
    std::vector<std::string> qwords = ContentWords(question);
    std::vector<std::string> context;
    const std::string lower_q = absl::AsciiStrToLower(question);
    bool refers_back = qwords.size() <= 2;
    for (const Word& w : SplitWords(lower_q)) {
      if (w.text == "it" || w.text == "its" || w.text == "they" || w.text == "their" ||
          w.text == "them" || w.text == "he" || w.text == "his" || w.text == "him" ||
          w.text == "she" || w.text == "her") {
        refers_back = true;
      }
    }
    if (refers_back) {
      for (int k = q - 1; k >= 0 && k >= q - 2; --k) {
        for (auto& w : ContentWords(h[static_cast<size_t>(k)].text))
          context.push_back(std::move(w));
      }
    }

    // The question's own words decide; the context only breaks ties (its
    // share is below the weight of one matching question word) unless the
    // question has no words of its own ("What else about it?").
    double context_total = 0;
    for (const auto& w : context) context_total += passage_.Weight(w);
    std::vector<std::pair<double, size_t>> ranked;
    for (size_t i = 0; i < sentences().size(); ++i) {
      double score =
          passage_.Overlap(qwords, i) + passage_.Overlap(context, i) / (1.0 + context_total);
      // "What is Vancouver?" is best answered by "Vancouver is a ...".
      if (!qwords.empty() && !StripQuestionWords(sentences()[i].text, qwords).empty() &&
          StartsWithCopulaAfter(sentences()[i].text, qwords)) {
        score += 1.0;
      }
      // "What else ...": new information is wanted.
      if (qwords.empty() && covered_[i]) score *= 0.3;
      if (score > 0) ranked.emplace_back(-score, i);
    }
    std::sort(ranked.begin(), ranked.end());

    std::vector<std::string> candidates;
    for (size_t r = 0; r < ranked.size() && r < 3; ++r) {
      std::vector<std::string> options =
          AnswerOptions(sentences()[ranked[r].second], question, qwords, context);
      if (r == 0) RotateFront(&options, TypeOf(question) == QuestionType::kYesNo ? 2 : 3, &rng_);
      for (auto& o : options) candidates.push_back(std::move(o));
    }
    std::vector<std::string> unknown = {"The passage does not say.", "unknown",
                                        "That is not mentioned in the passage.",
                                        "The document doesn't say."};
    RotateFront(&unknown, ranked.empty() ? 2 : 1, &rng_);
    for (auto& u : unknown) candidates.push_back(std::move(u));
    for (size_t i : NextSentences(false)) candidates.push_back(CapWords(sentences()[i].text, 50));
    return Finish(FirstFresh(candidates));
  }

  enum class QuestionType { kWho, kWhen, kWhere, kHowMany, kYesNo, kOther };

  static QuestionType TypeOf(absl::string_view question) {
    std::string q = absl::AsciiStrToLower(absl::StripAsciiWhitespace(question));
    for (absl::string_view lead : {"and ", "so ", "then ", "also ", "ok ", "okay ", "well "}) {
      if (absl::StartsWith(q, lead)) q = q.substr(lead.size());
    }
    for (absl::string_view request : {"could you", "can you", "would you", "will you"}) {
      if (absl::StartsWith(q, request)) return QuestionType::kOther;  // "Could you explain ..."
    }
    if (absl::StartsWith(q, "who")) return QuestionType::kWho;
    if (absl::StartsWith(q, "when") || absl::StartsWith(q, "what year") ||
        absl::StartsWith(q, "in what year") || absl::StartsWith(q, "in which year")) {
      return QuestionType::kWhen;
    }
    if (absl::StartsWith(q, "where")) return QuestionType::kWhere;
    if (absl::StartsWith(q, "how many") || absl::StartsWith(q, "how much")) {
      return QuestionType::kHowMany;
    }
    for (absl::string_view aux : {"is ", "are ", "was ", "were ", "did ", "does ", "do ", "can ",
                                  "could ", "has ", "have ", "had ", "will ", "would "}) {
      if (absl::StartsWith(q, aux)) return QuestionType::kYesNo;
    }
    return QuestionType::kOther;
  }

  std::vector<std::string> AnswerOptions(const Sentence& s, const std::string& question,
                                         const std::vector<std::string>& qwords,
                                         const std::vector<std::string>& context) const {
    const std::string lower_q = absl::AsciiStrToLower(question);
    std::vector<std::string> all = qwords;
    all.insert(all.end(), context.begin(), context.end());

    // The clause that overlaps the question most, grown to at least 3 words.
    std::vector<Clause> clauses = SplitClauses(s.text);
    size_t best = 0;
    double best_score = -1;
    for (size_t c = 0; c < clauses.size(); ++c) {
      const absl::string_view text =
          absl::string_view(s.text).substr(clauses[c].begin, clauses[c].end - clauses[c].begin);
      double score = 0;
      for (const auto& w : ContentWords(text)) {
        if (std::find(all.begin(), all.end(), w) != all.end()) score += passage_.Weight(w);
      }
      if (score > best_score) {
        best_score = score;
        best = c;
      }
    }
    Clause clause = clauses.empty() ? Clause{0, s.text.size()} : clauses[best];
    auto clause_words = [&](const Clause& c) {
      return SplitWords(absl::string_view(s.text).substr(c.begin, c.end - c.begin)).size();
    };
    if (!clauses.empty() && clause_words(clause) < 3) {
      if (best + 1 < clauses.size()) {
        clause.end = clauses[best + 1].end;
      } else if (best > 0) {
        clause.begin = clauses[best - 1].begin;
      }
    }
    const std::string clause_text = StripTrailingPunct(
        absl::string_view(s.text).substr(clause.begin, clause.end - clause.begin));

    std::vector<std::string> options;
    const QuestionType type = TypeOf(question);
    const std::string typed = TypedSpan(s, clause, type, lower_q, qwords);
    if (type == QuestionType::kYesNo) {
      // A yes/no answer, bare or with its evidence; the seed picks which.
      options.push_back(typed);
      options.push_back(absl::StrCat(typed, ", ", LowerFirst(clause_text)));
    } else if (!typed.empty()) {
      options.push_back(typed);
    }
    const std::string stripped = StripQuestionWords(clause_text, qwords);
    if (!stripped.empty()) options.push_back(stripped);
    options.push_back(clause_text);
    options.push_back(std::string(absl::StripAsciiWhitespace(s.text)));
    // Last: mostly useful when the others were said already.
    const std::string window = WindowAround(s, qwords);
    if (!window.empty()) options.push_back(window);

    std::vector<std::string> out;
    absl::flat_hash_set<std::string> seen;
    for (auto& o : options) {
      o = CapWords(o, 50);
      if (!o.empty() && seen.insert(RepeatKey(o)).second) out.push_back(std::move(o));
    }
    return out;
  }

  // A short span answering a who/when/where/how-many/yes-no question, or "".
  std::string TypedSpan(const Sentence& s, const Clause& clause, QuestionType type,
                        const std::string& lower_q, const std::vector<std::string>& qwords) const {
    if (type == QuestionType::kYesNo) {
      size_t found = 0;
      for (const auto& w : qwords) found += s.content.contains(w) ? 1 : 0;
      return 5 * found >= 3 * qwords.size() && found > 0 ? "Yes" : "No";
    }
    // Phrases in the best clause first, then the rest of the sentence.
    std::vector<const Phrase*> phrases;
    std::vector<Word> words = SplitWords(s.text);
    for (int pass = 0; pass < 2; ++pass) {
      for (const Phrase& p : s.phrases) {
        const bool inside = p.word_index < words.size() &&
                            words[p.word_index].begin >= clause.begin &&
                            words[p.word_index].begin < clause.end;
        if (inside == (pass == 0)) phrases.push_back(&p);
      }
    }
    for (const Phrase* p : phrases) {
      if (absl::StrContains(lower_q, absl::AsciiStrToLower(p->text))) continue;
      switch (type) {
        case QuestionType::kWhen:
          if (p->kind == PhraseKind::kDate) {
            return p->preposition.empty() || p->preposition == "of" || p->preposition == "to"
                       ? p->text
                       : absl::StrCat(p->preposition, " ", p->text);
          }
          break;
        case QuestionType::kHowMany:
          if (p->kind == PhraseKind::kNumber) return p->text;
          break;
        case QuestionType::kWho:
          if (p->kind == PhraseKind::kName) return p->text;
          break;
        case QuestionType::kWhere:
          if (p->kind == PhraseKind::kName &&
              (p->preposition == "in" || p->preposition == "at" || p->preposition == "near" ||
               p->preposition == "from" || p->preposition == "to")) {
            return absl::StrCat(p->preposition, " ", p->text);
          }
          break;
        default:
          break;
      }
    }
    return "";
  }

  // A few words either side of the sentence's rarest question word:
  // "gave birth to her daughter Sofia" for "What do you mean by Sofia?".
  std::string WindowAround(const Sentence& s, const std::vector<std::string>& qwords) const {
    std::vector<Word> words = SplitWords(s.text);
    size_t at = words.size();
    double best = 0;
    for (size_t k = 0; k < words.size(); ++k) {
      const std::string n = NormalizeWord(words[k].text);
      if (std::find(qwords.begin(), qwords.end(), n) == qwords.end()) continue;
      const double weight = passage_.Weight(n);
      if (weight > best) {
        best = weight;
        at = k;
      }
    }
    if (at == words.size()) return "";
    const size_t from = at >= 4 ? at - 4 : 0;
    const size_t to = std::min(words.size(), at + 5);
    if (to - from < 3) return "";
    return TidySpan(
        absl::string_view(s.text).substr(words[from].begin, words[to - 1].end - words[from].begin));
  }

  // Cuts a span at an unmatched opening bracket or quote and trims stop
  // words and punctuation off its ends.
  static std::string TidySpan(absl::string_view span) {
    int parens = 0, quotes = 0;
    size_t open_at = absl::string_view::npos;
    for (size_t i = 0; i < span.size(); ++i) {
      if (span[i] == '(' || span[i] == '[') {
        if (parens++ == 0) open_at = i;
      } else if ((span[i] == ')' || span[i] == ']') && parens > 0) {
        --parens;
      } else if (span[i] == '"') {
        if (quotes++ % 2 == 0) open_at = parens == 0 ? i : open_at;
      }
    }
    if (parens > 0 || quotes % 2 == 1) span = span.substr(0, open_at);
    std::vector<Word> words = SplitWords(span);
    size_t from = 0, to = words.size();
    while (from < to && IsStopword(absl::AsciiStrToLower(words[from].text))) ++from;
    while (to > from && IsStopword(absl::AsciiStrToLower(words[to - 1].text))) --to;
    if (to - from < 2) return "";
    return StripTrailingPunct(
        span.substr(words[from].begin, words[to - 1].end - words[from].begin));
  }

  // True when `text` opens with question words and then is/was/are/were.
  static bool StartsWithCopulaAfter(const std::string& text,
                                    const std::vector<std::string>& qwords) {
    std::vector<Word> words = SplitWords(text);
    size_t k = 0;
    while (k < words.size() &&
           std::find(qwords.begin(), qwords.end(), NormalizeWord(words[k].text)) != qwords.end()) {
      ++k;
    }
    if (k == 0 || k >= words.size()) return false;
    const std::string next = absl::AsciiStrToLower(words[k].text);
    return next == "is" || next == "was" || next == "are" || next == "were";
  }

  // "Vancouver is a coastal city" for "What is Vancouver?" -> "a coastal city".
  static std::string StripQuestionWords(const std::string& clause,
                                        const std::vector<std::string>& qwords) {
    std::vector<Word> words = SplitWords(clause);
    size_t k = 0;
    while (k < words.size() &&
           std::find(qwords.begin(), qwords.end(), NormalizeWord(words[k].text)) != qwords.end()) {
      ++k;
    }
    if (k == 0 || k >= words.size()) return "";
    const std::string next = absl::AsciiStrToLower(words[k].text);
    if (next == "is" || next == "was" || next == "are" || next == "were") ++k;
    if (k + 2 > words.size()) return "";
    return StripTrailingPunct(absl::string_view(clause).substr(words[k].begin));
  }

  // ---- other roles -----------------------------------------------------

  std::string WriteStatement() {
    std::vector<std::string> candidates;
    for (size_t i : NextSentences(style_.topic_switch)) {
      candidates.push_back(CapWords(sentences()[i].text, 50));
    }
    candidates.push_back("The document has nothing more to add.");
    return Finish(FirstFresh(candidates));
  }

  // Last resort when every candidate repeats a turn: a numbered variant is
  // never a repeat.
  std::string Finish(std::string reply) const {
    if (!reply.empty()) return reply;
    const size_t n = prompt_.history.size() + 1;
    for (size_t k = n;; ++k) {
      std::string r = absl::StrCat("Could you tell me more about the passage? (", k, ")");
      if (IsFresh(r)) return r;
    }
  }

  const ParsedPrompt& prompt_;
  Passage passage_;
  Style style_;
  DeterministicRng rng_;
  absl::flat_hash_set<std::string> history_keys_;
  absl::flat_hash_set<std::string> asked_;  // RepeatKey of phrases earlier turns named
  std::vector<bool> covered_;
  int last_sentence_ = -1;  // the sentence the latest matched turn was about
};

}  // namespace

std::string WriteReply(const ParsedPrompt& prompt, uint64_t seed) {
  return Writer(prompt, seed).Write();
}

}  // namespace codi
