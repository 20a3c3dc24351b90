#include "common/method/phenomena.h"

namespace codi {

const absl::flat_hash_map<std::string, std::string>& BuiltinPhenomena() {
  static const auto* const kBuiltins = new absl::flat_hash_map<std::string, std::string>{
      {"coreference",
       "Refer back to an entity mentioned earlier in the conversation with a pronoun such as "
       "it, its, they or there, instead of repeating its name."},
      {"discourse_marker",
       "Begin the turn with a discourse marker that ties it to the previous turn, such as "
       "'And', 'What about', 'So' or 'Also'."},
      {"topic_switch",
       "Move on to an aspect of the document that the conversation has not touched yet, "
       "without announcing the change of topic."},
      {"ellipsis",
       "Leave out words that the previous turns make clear, as people do in conversation, "
       "for example 'And its population?' instead of repeating the whole question."},
      {"clarification",
       "Ask for clarification of something in the previous turn that was vague or could be "
       "understood in more than one way."},
  };
  return *kBuiltins;
}

}  // namespace codi
