"""A plan as an IMS Common Cartridge 1.3 (.imscc) that an LMS imports as a course outline.

The cartridge holds:

- ``imsmanifest.xml``: one organization whose items follow the plan, one item per
  step, each holding an item per link that references a web-link resource;
- one web-link file per link (``imswl_xmlv1p3``): a paper's page, or each of a
  concept's resources;
- ``course_settings/``: Canvas's extension. CC itself cannot say that one module
  needs another, so Canvas reads modules and their prerequisites from
  ``module_meta.xml``; the ``canvas_export.txt`` marker is what makes Canvas read
  that folder at all. Other LMSs ignore it and import the plain cartridge.

Every XML file is built with ElementTree, so any title is escaped, never markup.
Identifiers are hashes of the step ids ("i" + hex, valid XML NCNames), and entries
are written in a fixed order with fixed timestamps: the same plan gives the same
bytes, and re-importing it into Canvas updates the course rather than duplicating it.
"""

import hashlib
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from typing import NamedTuple

from api.exports.case import plan_key, plan_prerequisites, plan_title
from graph import KnowledgeGraph
from planner.material import describe
from planner.plan import Plan, Step

CP = "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1"
LOM_MANIFEST = "http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest"
WEBLINK = "http://www.imsglobal.org/xsd/imsccv1p3/imswl_v1p3"
CANVAS = "http://canvas.instructure.com/xsd/cccv1p0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATIONS = {
    CP: f"{CP} http://www.imsglobal.org/profile/cc/ccv1p3/ccv1p3_imscp_v1p2_v1p0.xsd "
    f"{LOM_MANIFEST} http://www.imsglobal.org/profile/cc/ccv1p3/LOM/ccv1p3_lommanifest_v1p0.xsd",
    WEBLINK: f"{WEBLINK} http://www.imsglobal.org/profile/cc/ccv1p3/ccv1p3_imswl_v1p3.xsd",
    CANVAS: f"{CANVAS} https://canvas.instructure.com/xsd/cccv1p0.xsd",
}

WEBLINK_TYPE = "imswl_xmlv1p3"
SETTINGS_TYPE = "associatedcontent/imscc_xmlv1p3/learning-application-resource"
MANIFEST = "imsmanifest.xml"
MARKER = "course_settings/canvas_export.txt"
COURSE_SETTINGS = "course_settings/course_settings.xml"
MODULE_META = "course_settings/module_meta.xml"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
"""The earliest time a zip entry can carry: fixed, so the bytes depend on the plan alone."""

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters XML 1.0 cannot carry even escaped (most control characters)."""


class Link(NamedTuple):
    item: str  # the organization item and Canvas module item
    resource: str  # the web-link resource; its file is f"{resource}.xml"
    title: str
    url: str


class Module(NamedTuple):
    identifier: str
    step: Step
    links: tuple[Link, ...]
    requires: tuple[str, ...]  # identifiers of the modules of the steps it needs


def plan_imscc(plan: Plan, graph: KnowledgeGraph) -> bytes:
    """The plan as an IMS CC 1.3 zip, with Canvas module prerequisites; same plan, same bytes."""
    modules = plan_modules(plan, graph)
    title = plan_title(plan, graph)
    course = identifier("course", plan_key(plan))
    files = [
        (MANIFEST, _manifest(plan, title, modules)),
        (MARKER, b"Canvas course settings: modules and their prerequisites.\n"),
        (COURSE_SETTINGS, _course_settings(course, title)),
        (MODULE_META, _module_meta(modules)),
    ]
    files += [(f"{link.resource}.xml", _weblink(link)) for m in modules for link in m.links]
    return _zip(files)


def plan_modules(plan: Plan, graph: KnowledgeGraph) -> list[Module]:
    """One module per step, in plan order: its links, and the modules it requires."""
    needs = plan_prerequisites(plan, graph)
    ids = {s.id: identifier("module", s.kind, s.id) for s in plan.steps}
    return [
        Module(ids[step.id], step, _links(step), tuple(ids[n] for n in needs[step.id]))
        for step in plan.steps
    ]


def identifier(*parts: str) -> str:
    """A deterministic XML identifier: "i" and 32 hex digits of a hash of ``parts``.

    Starting with a letter and holding only hex digits, it is a valid NCName
    whatever the ids contain.
    """
    key = "\x1f".join(parts).encode()
    return "i" + hashlib.sha256(key).hexdigest()[:32]


def _links(step: Step) -> tuple[Link, ...]:
    """Each thing the step assigns that has an address (a paper, a video, an article), in
    the order the step assigns them."""
    pairs = [(describe(m), m.url) for m in step.material if m.url]
    return tuple(
        Link(
            identifier("item", step.kind, step.id, str(n)),
            identifier("weblink", step.kind, step.id, str(n)),
            title,
            url,
        )
        for n, (title, url) in enumerate(pairs, start=1)
    )


def _manifest(plan: Plan, title: str, modules: list[Module]) -> bytes:
    root = _root("manifest", CP, lomimscc=LOM_MANIFEST)
    root.set("identifier", identifier("manifest", plan_key(plan)))
    metadata = _sub(root, "metadata")
    _sub(metadata, "schema", "IMS Common Cartridge")
    _sub(metadata, "schemaversion", "1.3.0")
    lom = _sub(_sub(metadata, "lomimscc:lom"), "lomimscc:general")
    _sub(_sub(lom, "lomimscc:title"), "lomimscc:string", title)
    organization = _sub(_sub(root, "organizations"), "organization")
    organization.set("identifier", identifier("organization", plan_key(plan)))
    organization.set("structure", "rooted-hierarchy")
    top = _sub(organization, "item")
    top.set("identifier", "LearningModules")  # Canvas's name for the root of its modules
    for module in modules:
        entry = _sub(top, "item")
        entry.set("identifier", module.identifier)
        _sub(entry, "title", module.step.title)
        for link in module.links:
            leaf = _sub(entry, "item")
            leaf.set("identifier", link.item)
            leaf.set("identifierref", link.resource)
            _sub(leaf, "title", link.title)
    resources = _sub(root, "resources")
    for module in modules:
        for link in module.links:
            resource = _sub(resources, "resource")
            resource.set("identifier", link.resource)
            resource.set("type", WEBLINK_TYPE)
            _sub(resource, "file").set("href", f"{link.resource}.xml")
    settings = _sub(resources, "resource")
    settings.set("identifier", identifier("course-settings", plan_key(plan)))
    settings.set("type", SETTINGS_TYPE)
    settings.set("href", MARKER)
    for path in (COURSE_SETTINGS, MODULE_META, MARKER):
        _sub(settings, "file").set("href", path)
    return _xml(root)


def _weblink(link: Link) -> bytes:
    root = _root("webLink", WEBLINK)
    _sub(root, "title", link.title)
    _sub(root, "url").set("href", _clean(link.url))
    return _xml(root)


def _course_settings(course: str, title: str) -> bytes:
    """The course settings Canvas expects beside the modules; only the title, for the record."""
    root = _root("course", CANVAS)
    root.set("identifier", course)
    _sub(root, "title", title)
    return _xml(root)


def _module_meta(modules: list[Module]) -> bytes:
    """Canvas's modules: one per step, each requiring its prerequisites' modules.

    Canvas resolves a prerequisite only to a module imported before it, and plan
    order puts every prerequisite first. A module's own fields come before its
    nested blocks because Canvas reads each field as the first match in the module.
    Each link must be viewed to complete its module, so a prerequisite means
    "have opened this step's links".
    """
    root = _root("modules", CANVAS)
    titles = {m.identifier: m.step.title for m in modules}
    for position, module in enumerate(modules, start=1):
        element = _sub(root, "module")
        element.set("identifier", module.identifier)
        _sub(element, "title", module.step.title)
        _sub(element, "workflow_state", "active")
        _sub(element, "position", str(position))
        _sub(element, "require_sequential_progress", "false")
        _sub(element, "locked", "false")
        if module.requires:
            prerequisites = _sub(element, "prerequisites")
            for required in module.requires:
                prerequisite = _sub(prerequisites, "prerequisite")
                prerequisite.set("type", "context_module")
                _sub(prerequisite, "title", titles[required])
                _sub(prerequisite, "identifierref", required)
        if module.links:
            _module_items(element, module.links)
    return _xml(root)


def _module_items(module: ET.Element, links: tuple[Link, ...]) -> None:
    items = _sub(module, "items")
    for position, link in enumerate(links, start=1):
        item = _sub(items, "item")
        item.set("identifier", link.item)
        _sub(item, "content_type", "ExternalUrl")
        _sub(item, "workflow_state", "active")  # else Canvas imports it unpublished
        _sub(item, "title", link.title)
        _sub(item, "identifierref", link.resource)
        _sub(item, "url", link.url)
        _sub(item, "position", str(position))
        _sub(item, "new_tab", "true")
        _sub(item, "indent", "0")
    requirements = _sub(module, "completionRequirements")
    for link in links:
        requirement = _sub(requirements, "completionRequirement")
        requirement.set("type", "must_view")
        _sub(requirement, "identifierref", link.item)


def _root(tag: str, namespace: str, **prefixed: str) -> ET.Element:
    """A root element in ``namespace`` (the default one), declaring ``prefixed`` and xsi.

    The namespaces are written as plain attributes and the prefixed names as plain
    tags: ElementTree then prints the conventional prefixes (lomimscc:, xsi:) and a
    default namespace, with no ET.register_namespace, which would change a
    process-wide table. Names are constants here; only text and values come from data,
    and ElementTree escapes those.
    """
    root = ET.Element(tag, xmlns=namespace)
    for prefix, uri in prefixed.items():
        root.set(f"xmlns:{prefix}", uri)
    root.set("xmlns:xsi", XSI)
    root.set("xsi:schemaLocation", SCHEMA_LOCATIONS[namespace])
    return root


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = _clean(text)
    return element


def _clean(text: str) -> str:
    """``text`` with the characters XML cannot hold replaced, so every file stays well-formed."""
    return _NOT_XML.sub("\ufffd", text)


def _xml(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _zip(files: list[tuple[str, bytes]]) -> bytes:
    """The files in the order given, each with fixed metadata, so the bytes are reproducible."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever system builds it
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()
