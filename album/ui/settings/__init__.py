"""Settings: the model and the preferences.

- `dialog.py`: the Settings dialog (the model, the device, thresholds, folders to leave out)
- `model_notice.py`, `model_notice_controller.py`: the first-run banner saying which model album
  uses, and a way to a better one
"""
