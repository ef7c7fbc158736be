"""Synthetic training data from help articles, with misleading retrieval built in.

`toolkit synth help-center ARTICLES... --out DIR`: articles.py reads Markdown/HTML/text into sections
with offsets, facts.py finds the facts, questions.py asks about them (templates, optional model
paraphrases), perturb.py and contexts.py build the right/distractor/outdated/injected/none contexts
and answers, build.py gates everything and writes QAItems, SFT conversations, DPO pairs, a report
and a data card.
"""
