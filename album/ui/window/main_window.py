"""The main window: search bar, sidebar (folders, albums), the views, and the indexing status.

It wires the parts together and owns nothing slow: every read and write goes through the
context's task pools. Views other than the library are built on first use.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDockWidget, QLabel, QMainWindow, QMessageBox, QSplitter, QStackedWidget, QToolBar, QVBoxLayout, QWidget,
)

from album.ui.common import formatting
from album.ui.common.library_changes import ALBUMS, PHOTOS, TAGS
from album.ui.common.settings_keys import WINDOW_GEOMETRY, WINDOW_STATE
from album.ui.settings.model_notice_controller import ModelNoticeCheck
from album.ui.search.controller import SearchController
from album.ui.trash.controller import TrashController
from album.ui.window.undo import UndoController
from album.ui.common.tasks import FILES, MODEL
from album.ui.library.albums_panel import AlbumsPanel
from album.ui.indexing.folders_panel import AcceptsFolderDrops, FoldersPanel
from album.ui.indexing.status import IndexingStatus
from album.ui.library.page import ALBUM, LIBRARY, RESULTS, LibraryPage
from album.ui.settings.model_notice import ModelNotice
from album.ui.library.on_this_day import OnThisDay
from album.ui.library.photo_menu import build_photo_menu
from album.ui.search.bar import SearchBar
from album.ui.indexing.welcome import WelcomePage

VIEWS = ("library", "duplicates", "labels", "people", "events")


class MainWindow(AcceptsFolderDrops, QMainWindow):
    def __init__(self, context, parent=None):
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("album")
        self.setAcceptDrops(True)
        self.resize(1280, 820)
        self.search = SearchController(context, parent=self)
        self.trash = TrashController(context, parent=self)
        self.undo = UndoController(context, parent=self)
        self.library_page = LibraryPage(context, self)
        self.on_this_day = OnThisDay(context, self.library_page)
        self.library_page.layout().insertWidget(0, self.on_this_day)
        self.welcome = WelcomePage(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.library_page)
        self.stack.setCurrentWidget(self.library_page)  # the welcome replaces it once we know there are no folders
        self.model_notice = ModelNotice(self)
        self.notice_check = ModelNoticeCheck(context, self)
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.model_notice)
        column.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self._views: dict[str, QWidget] = {"library": self.library_page}
        self.view = "library"
        self.viewer = None
        self.settings_dialog = None
        self.remember_geometry = True
        self._refreshing_results = False  # the next results refresh the list on screen (keep its place)
        self._build_toolbar()
        self._build_sidebar()
        self._build_status_bar()
        self._build_menus()
        self._connect()
        self._restore_geometry()

    # --- construction -----------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Search", self)
        toolbar.setObjectName("search-toolbar")
        toolbar.setMovable(False)
        self.search_bar = SearchBar(self.context, toolbar)
        toolbar.addWidget(self.search_bar)
        self.view_actions = QActionGroup(self)
        for number, (name, title) in enumerate((("library", "Library"), ("duplicates", "Duplicates"),
                                                ("labels", "Labels"), ("people", "People"),
                                                ("events", "Events")), start=1):
            action = QAction(title, self, checkable=True)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.setData(name)
            action.triggered.connect(lambda _=False, name=name: self._view_chosen(name))
            self.view_actions.addAction(action)
            toolbar.addAction(action)
        self.view_actions.actions()[0].setChecked(True)
        self.addToolBar(toolbar)

    def _build_sidebar(self) -> None:
        self.folders_panel = FoldersPanel(self.context, self)
        self.albums_panel = AlbumsPanel(self.context, self.library_page.grid.selected_photo_ids,
                                        self._current_smart_query, self)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.folders_panel)
        splitter.addWidget(self.albums_panel)
        self.sidebar = QDockWidget("Library", self)
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.sidebar.setWidget(splitter)
        self.sidebar.setTitleBarWidget(QWidget(self.sidebar))  # the panels have their own titles
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.sidebar)

    def _build_status_bar(self) -> None:
        self.indexing_status = IndexingStatus(self.context.indexing, self)
        self.count_label = QLabel(self)
        self.statusBar().addWidget(self.indexing_status, 1)
        self.statusBar().addPermanentWidget(self.count_label)

    def _build_menus(self) -> None:
        file = self.menuBar().addMenu("&File")
        file.addAction("Add Folder…", QKeySequence("Ctrl+O"), self.folders_panel.choose_folder)
        file.addAction("Files That Could Not Be Read…", self._show_failures)
        file.addSeparator()
        file.addAction("Quit", QKeySequence.StandardKey.Quit, self.close)
        edit = self.menuBar().addMenu("&Edit")
        self.undo_action = edit.addAction("Undo", QKeySequence.StandardKey.Undo)
        self.undo.bind(self.undo_action)  # names and enables it: a trash action or a merge to take back
        edit.addSeparator()
        self.trash_action = edit.addAction("Move to Trash", QKeySequence(QKeySequence.StandardKey.Delete),
                                           self.trash_selected)
        # The grid's own: Delete typed in the search field or a tag field deletes text there.
        self.trash_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.library_page.grid.addAction(self.trash_action)
        edit.addSeparator()
        edit.addAction("Find", QKeySequence.StandardKey.Find, self.search_bar.focus)
        edit.addAction("Select All", QKeySequence.StandardKey.SelectAll, self.library_page.grid.selectAll)
        edit.addSeparator()
        # Where each platform keeps it: Edit ▸ Preferences (Ctrl+,) on Linux and Windows; Qt moves
        # it to the application menu on macOS (album ▸ Settings…, ⌘,) by its role.
        self.settings_action = edit.addAction("Preferences…", lambda: self.show_settings())
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences)
        self.settings_action.setShortcuts(keys + [k for k in [QKeySequence("Ctrl+,")] if k not in keys])
        view = self.menuBar().addMenu("&View")
        for action in self.view_actions.actions():
            view.addAction(action)
        view.addSeparator()
        sorts = QActionGroup(self)
        for key, title in (("newest", "Newest First"), ("oldest", "Oldest First"), ("name", "By File Name"),
                           ("folder", "By Folder")):
            action = view.addAction(title, lambda key=key: self.library_page.set_sort(key))
            action.setCheckable(True)
            action.setChecked(key == self.library_page.sort)
            sorts.addAction(action)
        view.addSeparator()
        view.addAction(self.sidebar.toggleViewAction())
        # Escape in the grid leaves a search, find-similar or an album for all photos.
        back = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.library_page, self.show_library)
        back.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def _connect(self) -> None:
        self.search_bar.textEdited.connect(self._search_text)
        self.search_bar.filtersChanged.connect(self.search.set_filters)
        self.search.resultsReady.connect(self._show_results)
        self.search.cleared.connect(self.library_page.show_library)
        self.search.failed.connect(lambda error: self.statusBar().showMessage(f"Search failed: {error}", 8000))
        self.library_page.showAllWanted.connect(self.search.show_all)
        self.library_page.photoActivated.connect(self.open_photo)
        self.library_page.contextMenuWanted.connect(self._photo_menu)
        model = self.library_page.model
        for signal in (model.modelReset, model.rowsRemoved, model.rowsInserted):
            signal.connect(self._update_count)
        self.welcome.foldersChosen.connect(self.folders_panel.add_folders)
        self.folders_panel.foldersChanged.connect(self._folders_changed)
        self.folders_panel.list.itemClicked.connect(lambda _: self.show_library())
        self.albums_panel.albumOpened.connect(self._show_album)
        self.albums_panel.albumRefreshed.connect(lambda name, rows: self._show_album(name, rows, refresh=True))
        self.albums_panel.albumDeleted.connect(self._album_deleted)
        self.context.indexing.photosChanged.connect(self._photos_changed)
        self.context.changes.changed.connect(self._library_changed)
        self.context.indexing.runFailed.connect(lambda error: self.statusBar().showMessage(str(error), 10000))
        self.indexing_status.failuresWanted.connect(self._show_failures)
        self.notice_check.checked.connect(self._show_model_notice)
        self.on_this_day.photosOpened.connect(self._show_album)
        self.model_notice.downloadWanted.connect(self._download_better_model)
        self.trash.trashed.connect(self._files_trashed)
        self.trash.trashFailed.connect(lambda error: QMessageBox.warning(self, "Move to Trash", str(error)))
        self.undo.trashRestored.connect(self._restored)
        self.undo.mergeUndone.connect(self._merge_undone)
        self.undo.undoFailed.connect(lambda error: self.statusBar().showMessage(str(error), 10000))

    # --- starting ---------------------------------------------------------------------------------

    def start(self, *, index: bool = True, notice: bool = True) -> None:
        """After show(): list the folders (welcome or grid), then load the model and index, and check once
        whether to tell a library on album-mini about a better model (`notice`; scripted windows skip it).

        The photos come first: the model and the index run start once the grid has its rows,
        so they do not compete with them for the first second (importing a model's framework
        holds Python's GIL for a few hundred ms at a time).
        """
        self._index_at_start = index
        self._notice_at_start = notice
        self._started_background = False
        self._rows_ready = False
        self._folders_known: list | None = None
        self.library_page.rowsShown.connect(self._rows_shown_first)
        self.library_page.show_library()
        self.on_this_day.refresh()
        self.folders_panel.refresh()
        self.context.tasks.run_task(FILES, self.context.library.list_folders, self._first_folders,
                                    name="first folders")
        self.undo.check()  # Edit ▸ Undo is enabled only while a trash action or a merge can be taken back

    def _first_folders(self, folders) -> None:
        if not folders:
            self.stack.setCurrentWidget(self.welcome)
        elif self.view == "library":
            self.stack.setCurrentWidget(self.library_page)
        self._folders_known = list(folders)
        self._start_background()

    def _rows_shown_first(self) -> None:
        self.library_page.rowsShown.disconnect(self._rows_shown_first)
        self._rows_ready = True
        self._start_background()

    def _start_background(self) -> None:
        if self._started_background or not self._rows_ready or self._folders_known is None:
            return
        self._started_background = True
        # The model loads on its own pool, after the window is up: nothing waits for it to start.
        self.context.tasks.run_task(MODEL, self.context.warmup.ensure, self._model_loaded, self._model_failed,
                                    name="load model")
        if self._index_at_start and self._folders_known:
            self.context.indexing.start()
        if self._notice_at_start:
            self.notice_check.start()  # on the network pool: nothing waits for the hub to answer

    def _model_loaded(self, _) -> None:
        if self.context.indexing.state == "idle":  # else the run warms them up when it ends
            self.context.warmup.warm_queries()

    def _model_failed(self, error) -> None:
        QMessageBox.warning(self, "album", f"The model could not be loaded, so search is unavailable:\n{error}")

    def _folders_changed(self) -> None:
        if self.stack.currentWidget() is self.welcome:
            self.stack.setCurrentWidget(self.library_page)
        self.context.indexing.folders_changed()
        self.library_page.reload()

    def _photos_changed(self) -> None:
        self.on_this_day.refresh()
        if "events" in self._views:
            self._views["events"].refresh()
        if self.library_page.mode == LIBRARY:
            # While a run adds batches, the photos on screen keep their places; sorted when it ends.
            self.library_page.reload(keep_order=self.context.indexing.state != "idle")
        elif self.search.active() and self.search.last_outcome is not None \
                and self.search.last_outcome.similar_to is None:
            self._refresh_results()  # newly indexed photos may match the query on screen

    def _library_changed(self, what: str) -> None:
        """Something was edited (tags, albums, the trash): show it in the list on screen, in place."""
        page = self.library_page
        if page.mode == LIBRARY and what == PHOTOS:
            page.reload()
        elif page.mode == RESULTS and self.search.active() and (what != ALBUMS or self.search.filters.album):
            self._refresh_results()
        elif page.mode == ALBUM and page.album_name and what in (PHOTOS, ALBUMS, TAGS):
            self.albums_panel.open_album_named(page.album_name, refresh=True)
        if what == ALBUMS:
            self.albums_panel.refresh()
        labels = self._views.get("labels")
        if what in (TAGS, PHOTOS) and labels is not None:
            labels.refresh()  # its counts of tagged photos

    def _refresh_results(self) -> None:
        self._refreshing_results = True
        self.search.run_now()

    def _show_model_notice(self, check) -> None:
        """Once: album-mini is in use; a better model is one click away (hub reachable) or in Settings later."""
        if check.reachable:
            self.model_notice.show_upgrade(check.model_id, check.download_mb)
        else:
            self.model_notice.show_offline()
        self.notice_check.mark_shown()

    def _download_better_model(self, model_id: str) -> None:
        self.model_notice.hide()
        self.show_settings(model_id)

    # --- views ------------------------------------------------------------------------------------

    def _view_chosen(self, name: str) -> None:
        """A view picked from the toolbar or the View menu; Library is also the way back to all photos."""
        if name == "library":
            self.show_library()
        else:
            self.set_view(name)

    def show_library(self) -> None:
        """All photos: leaves a search, find-similar or an album (Library button, Ctrl+1, Escape, a folder)."""
        self.set_view("library")
        if self.library_page.mode != LIBRARY or self.search.active():
            self.search.reset()
            self.search_bar.reset()
            self.library_page.show_library()

    def set_view(self, name: str) -> None:
        if name not in self._views:
            self._views[name] = self._make_view(name)
            self.stack.addWidget(self._views[name])
        self.view = name
        for action in self.view_actions.actions():
            action.setChecked(action.data() == name)
        if name == "library" and self.stack.currentWidget() is self.welcome:
            return
        self.stack.setCurrentWidget(self._views[name])
        if hasattr(self._views[name], "activate"):
            self._views[name].activate()

    def _make_view(self, name: str) -> QWidget:
        if name == "people":
            from album.ui.people.view import PeopleView

            view = PeopleView(self.context, self)
            view.personOpened.connect(self._show_album)
            view.changed.connect(self.albums_panel.refresh)  # a named person has a smart album
            return view
        if name == "events":
            from album.ui.events.view import EventsView

            view = EventsView(self.context, self)
            view.photosOpened.connect(self._show_album)
            return view
        if name == "duplicates":
            from album.ui.duplicates.view import DuplicatesView

            view = DuplicatesView(self.context, self)
            view.trashed.connect(self._trashed)
            return view
        from album.ui.labels.editor import LabelsEditor

        editor = LabelsEditor(self.context, self)
        editor.photoActivated.connect(self.open_photo)
        return editor

    def view_widget(self, name: str) -> QWidget | None:
        return self._views.get(name)

    # --- search and albums ------------------------------------------------------------------------

    def _search_text(self, text: str) -> None:
        if self.view != "library":
            self.set_view("library")
        self.search.set_text(text)

    def search_for(self, text: str) -> None:
        self.search_bar.set_text(text)
        self._search_text(text)

    def _show_results(self, outcome, rows) -> None:
        if outcome.similar_to is not None:
            self.search_bar.set_text("")
        keep_place, self._refreshing_results = self._refreshing_results, False
        self.library_page.show_results(outcome, rows, keep_place=keep_place)

    def _show_album(self, name: str, rows, refresh: bool = False) -> None:
        if refresh and not (self.library_page.mode == ALBUM and self.library_page.album_name == name):
            return  # the user has moved on since the refresh was asked for
        self.set_view("library")
        self.search.reset()  # an album is not filtered by the search: the field says so by being empty
        self.search_bar.reset()
        self.library_page.show_album(name, rows, keep_place=refresh)

    def _album_deleted(self, name: str) -> None:
        if self.library_page.mode == ALBUM and self.library_page.album_name == name:
            self.show_library()

    def find_similar(self, photo_id: int) -> None:
        self.set_view("library")
        self.search.find_similar(photo_id)

    def _current_smart_query(self):
        from album.services.albums import SmartQuery

        filters = self.search.filters
        query = SmartQuery(text=self.search.text.strip(), tags=(filters.tag,) if filters.tag else (), date_from=filters.date_from,
                           date_to=filters.date_to, people=(filters.person_id,) if filters.person_id else ())
        return None if query == SmartQuery() else query

    def _update_count(self) -> None:
        n = self.library_page.model.rowCount()
        self.count_label.setText(formatting.count(n, "photo"))

    # --- photos -----------------------------------------------------------------------------------

    def open_photo(self, photo_id: int, photo_ids: list[int] | None = None) -> None:
        """Open the viewer on a photo; the arrows step through `photo_ids` (default: the grid's)."""
        from album.ui.viewer.photo_viewer import PhotoViewer

        if self.viewer is None:
            self.viewer = PhotoViewer(self.context, self)
            self.viewer.similarWanted.connect(self.find_similar)
            self.viewer.trashWanted.connect(lambda pid, path: self.trash_photos([pid], [path]))
        ids = photo_ids if photo_ids is not None else list(self.library_page.model.rows.ids)
        self.viewer.show_photos(ids, photo_id)

    def _photo_menu(self, photo_ids: list[int], position) -> None:
        model = self.library_page.model
        paths = [model.path(model.row_of(pid)) for pid in photo_ids]
        menu = build_photo_menu(self, photo_ids, paths, on_open=self.open_photo, on_similar=self.find_similar,
                                albums=self.albums_panel.manual_album_names,
                                on_add_to_album=self.albums_panel.add_to_album, on_new_album=self.albums_panel.new_album,
                                on_trash=lambda: self.trash_photos(photo_ids, paths))
        menu.popup(position)

    # --- trash and undo ---------------------------------------------------------------------------

    def trash_selected(self) -> None:
        """Delete in the grid: the selected photos go to the system trash (Ctrl+Z puts them back)."""
        model = self.library_page.model
        ids = self.library_page.grid.selected_photo_ids()
        if ids:
            self.trash_photos(ids, [model.path(model.row_of(pid)) for pid in ids])

    def trash_photos(self, photo_ids: list[int], paths: list[str]) -> None:
        """Move these photos' files to the system trash as one undoable action, on the file pool."""
        self.trash.trash(photo_ids, paths)

    def _files_trashed(self, photo_ids: list, failed: dict) -> None:
        self._trashed(photo_ids)
        if failed:
            QMessageBox.warning(self, "Move to Trash", f"{formatting.count(len(failed), 'file')} could not "
                                "be moved to the trash:\n" + "\n".join(f"{p}: {why}" for p, why in failed.items()))

    def _trashed(self, photo_ids: list) -> None:
        self.library_page.model.remove_photos(photo_ids)
        if self.viewer is not None:
            self.viewer.forget_photos(photo_ids)
        self.statusBar().showMessage(f"Moved {formatting.count(len(photo_ids), 'photo')} to the trash. "
                                     f"Ctrl+Z puts {'it' if len(photo_ids) == 1 else 'them'} back.", 10000)
        self.context.changes.photos()
        self.undo.offer_trash()

    def _restored(self, undone) -> None:
        paths = undone.restored
        message = f"Put back {formatting.count(len(paths), 'file')} from the trash."
        if undone.skipped:
            its = "its" if len(undone.skipped) == 1 else "their"
            message += (f" Passed over {formatting.count(len(undone.skipped), 'later move')} to the trash: "
                        f"{its} files are no longer in the trash.")
        if undone.gone:
            were = "was" if len(undone.gone) == 1 else "were"
            message += f" {formatting.count(len(undone.gone), 'file')} of that move {were} no longer in the trash."
        self.statusBar().showMessage(message, 10000 if undone.skipped or undone.gone else 8000)
        self.context.indexing.start([str(p) for p in paths])
        view = self._views.get("duplicates")
        if view is not None:
            view.restored(paths)

    def _merge_undone(self, record) -> None:
        self.statusBar().showMessage(f"Undid the merge of {record.describe()}.", 8000)
        self.albums_panel.refresh()  # a named person has a smart album

    # --- other windows ----------------------------------------------------------------------------

    def show_settings(self, model_id: str | None = None) -> None:
        """Settings, window-modal but not blocking; `model_id` preselects a model on the Model tab."""
        from album.ui.settings.dialog import SettingsDialog

        if self.settings_dialog is None or not self.settings_dialog.isVisible():
            self.settings_dialog = SettingsDialog(self.context, self)
        if model_id:
            self.settings_dialog.select_model(model_id)
        self.settings_dialog.open()
        self.settings_dialog.raise_()

    def _show_failures(self) -> None:
        from album.ui.indexing.failed_files import FailedFilesDialog

        FailedFilesDialog(self.context, self).exec()

    # --- drops, geometry, closing -----------------------------------------------------------------

    def folders_dropped(self, folders: list[str]) -> None:
        self.folders_panel.add_folders(folders)

    def _restore_geometry(self) -> None:
        geometry = self.context.settings.value(WINDOW_GEOMETRY, QByteArray())
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        state = self.context.settings.value(WINDOW_STATE, QByteArray())
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)

    def closeEvent(self, event) -> None:
        if self.remember_geometry:
            self.context.settings.setValue(WINDOW_GEOMETRY, self.saveGeometry())
            self.context.settings.setValue(WINDOW_STATE, self.saveState())
            self.context.settings.sync()
        if self.viewer is not None:
            self.viewer.close()
        super().closeEvent(event)

    def settled(self) -> bool:
        """Nothing on screen is still loading (screenshots wait for this)."""
        busy = self.library_page.loading or self.search.busy or self.context.thumbnails.busy
        view = self._views.get(self.view)
        return not busy and not getattr(view, "loading", False)
