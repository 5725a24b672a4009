"""Exports of a closed period: Peppol e-invoices, PDF invoices and tables (CSV, XLSX)."""
