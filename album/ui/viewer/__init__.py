"""The photo viewer: one photo as large as the window allows, with its details.

- `photo_viewer.py`: the viewer; `image_canvas.py`: the scaled image
- `details.py`: what the viewer shows about a photo, read off the GUI thread
- `tag_editor.py`: the photo's tags, added and removed by hand
- `face_menu.py`: a face's menu ("Not Anna", "Move To")
"""
