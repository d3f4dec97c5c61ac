"""Video services on top of perception: questions and answers over a video log
(:mod:`sokrat.video.qa`), and real test media (:mod:`sokrat.video.compose`).

Perception builds the log; this layer searches it, reads the time in a question and asks the
chat model for a sentence with times. It may import ``llm`` and ``types``; perception may not.
"""
