"""ipywidgets of the notebook experience, fed by the API through :mod:`madlab.client`.

:class:`TaskLibrary` (tasks and their forms), :class:`PipelineBuilder`
(pipelines from tasks), :class:`JobMonitor` (live jobs),
:class:`DockingResultsViewer` (ranked poses, 2D, 3D and interactions),
:class:`MolecularViewer3D` (nglview or py3Dmol) and :class:`FileManager`
(uploads with their validation report).
"""

from madlab.widgets.file_manager import FileManager
from madlab.widgets.forms import SchemaForm
from madlab.widgets.job_monitor import JobMonitor
from madlab.widgets.pipeline_builder import PipelineBuilder
from madlab.widgets.results_viewer import DockingResultsViewer
from madlab.widgets.task_library import TaskLibrary
from madlab.widgets.viewer3d import MolecularViewer3D

__all__ = [
    "DockingResultsViewer",
    "FileManager",
    "JobMonitor",
    "MolecularViewer3D",
    "PipelineBuilder",
    "SchemaForm",
    "TaskLibrary",
]
