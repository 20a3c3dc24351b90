// Builds chat messages in the layout codi sends, for the simulator's tests.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/teacher/teacher_client.h"

namespace codi::testing {

inline constexpr char kVancouver[] =
    "Vancouver is a major city in western Canada, located in the Lower Mainland region of "
    "British Columbia. As the most populous city in the province, the 2016 census recorded "
    "631,486 people in the city, up from 603,502 in 2011. The Greater Vancouver area had a "
    "population of 2,463,431 in 2016, making it the third-largest metropolitan area in Canada. "
    "Vancouver has the highest population density in Canada, with over 5,400 people per square "
    "kilometre. Vancouver is one of the most ethnically and linguistically diverse cities in "
    "Canada; 52% of its residents have a first language other than English. The city hosted the "
    "Winter Olympics in 2010.";

struct PromptSpec {
  std::string title = "Vancouver";
  std::string document = kVancouver;
  std::vector<std::pair<std::string, std::string>> turns;  // (ROLE, text)
  std::string role = "USER";
  std::string instruction = "Ask a factual question about the document.";
  std::string example;
  std::string phenomena;
};

inline std::vector<ChatMessage> BuildMessages(const PromptSpec& spec) {
  std::string system =
      "You are helping to write a conversation about a document.\nTitle: " + spec.title +
      "\nDocument:\n" + spec.document;
  std::string user = "Conversation so far:\n";
  if (spec.turns.empty()) user += "(no turns yet)\n";
  for (const auto& [role, text] : spec.turns) user += "[" + role + "] " + text + "\n";
  user += "\nYour task:\nWrite the next turn of the conversation as " + spec.role + ".\n" +
          spec.instruction + "\n";
  if (!spec.example.empty()) user += "Example of the kind of turn wanted: " + spec.example + "\n";
  if (!spec.phenomena.empty()) user += "Use these linguistic phenomena: " + spec.phenomena + "\n";
  user += "Reply with the text of the turn only.";
  return {{"system", system}, {"user", user}};
}

}  // namespace codi::testing
