"""The Labels view: the user's words for things in photos, their prompts and thresholds.

- `editor.py`: the labels editor
- `preview.py`: which photos a label would tag, before it is saved
"""
