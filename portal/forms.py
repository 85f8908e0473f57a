"""One accessible rendering for every form: labels, hints and errors tied to their field
with aria-describedby, and an error summary at the top that links to each field."""

from django.forms.renderers import TemplatesSetting


class PortalFormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
