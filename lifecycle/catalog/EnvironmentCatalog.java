package lakestack;

import java.util.Arrays;
import java.util.Map;

import org.apache.spark.sql.catalyst.analysis.NoSuchNamespaceException;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;
import org.apache.spark.sql.catalyst.analysis.NonEmptyNamespaceException;
import org.apache.spark.sql.catalyst.analysis.NamespaceAlreadyExistsException;
import org.apache.spark.sql.catalyst.analysis.TableAlreadyExistsException;
import org.apache.spark.sql.classic.SparkSession;
import org.apache.spark.sql.connector.catalog.Column;
import org.apache.spark.sql.connector.catalog.DelegatingCatalogExtension;
import org.apache.spark.sql.connector.catalog.Identifier;
import org.apache.spark.sql.connector.catalog.NamespaceChange;
import org.apache.spark.sql.connector.catalog.StagedTable;
import org.apache.spark.sql.connector.catalog.StagingTableCatalog;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableChange;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * A Unity Catalog catalog name on local Spark: `retail_staging.ml.orders` is the session catalog's
 * (Delta's) table `retail_staging__ml.orders`. Registered once per environment catalog
 * (`spark.sql.catalog.retail_staging=lakestack.EnvironmentCatalog`), so task code uses the same
 * three-level names locally as on Databricks, and two environments never share a table. Staged
 * creates go to Delta's staging too, so `saveAsTable` writes version 0 with its data, as on Databricks.
 */
public class EnvironmentCatalog extends DelegatingCatalogExtension implements StagingTableCatalog {
  private static final String SEPARATOR = "__";
  private String name;

  @Override
  public void initialize(String name, CaseInsensitiveStringMap options) {
    this.name = name;
    setDelegateCatalog(SparkSession.active().sessionState().catalogManager().v2SessionCatalog());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String[] defaultNamespace() {
    return new String[] {"default"};
  }

  private String[] inner(String[] namespace) {
    return new String[] {name + SEPARATOR + String.join(".", namespace)};
  }

  private Identifier inner(Identifier ident) {
    return Identifier.of(inner(ident.namespace()), ident.name());
  }

  private String[] outer(String[] namespace) {
    return new String[] {namespace[namespace.length - 1].substring(name.length() + SEPARATOR.length())};
  }

  private boolean ours(String[] namespace) {
    return namespace.length > 0 && namespace[namespace.length - 1].startsWith(name + SEPARATOR);
  }

  @Override
  public Identifier[] listTables(String[] namespace) throws NoSuchNamespaceException {
    return Arrays.stream(super.listTables(inner(namespace)))
        .map(ident -> Identifier.of(namespace, ident.name())).toArray(Identifier[]::new);
  }

  @Override
  public Table loadTable(Identifier ident) throws NoSuchTableException {
    return super.loadTable(inner(ident));
  }

  @Override
  public Table loadTable(Identifier ident, long timestamp) throws NoSuchTableException {
    return super.loadTable(inner(ident), timestamp);
  }

  @Override
  public Table loadTable(Identifier ident, String version) throws NoSuchTableException {
    return super.loadTable(inner(ident), version);
  }

  @Override
  public void invalidateTable(Identifier ident) {
    super.invalidateTable(inner(ident));
  }

  @Override
  public boolean tableExists(Identifier ident) {
    return super.tableExists(inner(ident));
  }

  @Override
  @SuppressWarnings("deprecation")
  public Table createTable(Identifier ident, StructType schema, Transform[] partitions, Map<String, String> props)
      throws TableAlreadyExistsException, NoSuchNamespaceException {
    return super.createTable(inner(ident), schema, partitions, props);
  }

  @Override
  public Table createTable(Identifier ident, Column[] columns, Transform[] partitions, Map<String, String> props)
      throws TableAlreadyExistsException, NoSuchNamespaceException {
    return super.createTable(inner(ident), columns, partitions, props);
  }

  @Override
  public Table alterTable(Identifier ident, TableChange... changes) throws NoSuchTableException {
    return super.alterTable(inner(ident), changes);
  }

  @Override
  public boolean dropTable(Identifier ident) {
    return super.dropTable(inner(ident));
  }

  @Override
  public boolean purgeTable(Identifier ident) {
    return super.purgeTable(inner(ident));
  }

  @Override
  public void renameTable(Identifier from, Identifier to)
      throws NoSuchTableException, TableAlreadyExistsException {
    super.renameTable(inner(from), inner(to));
  }

  @Override
  public String[][] listNamespaces() throws NoSuchNamespaceException {
    return Arrays.stream(super.listNamespaces()).filter(this::ours).map(this::outer).toArray(String[][]::new);
  }

  @Override
  public String[][] listNamespaces(String[] namespace) throws NoSuchNamespaceException {
    if (!namespaceExists(namespace)) {
      throw new NoSuchNamespaceException(namespace);
    }
    return new String[0][];
  }

  @Override
  public boolean namespaceExists(String[] namespace) {
    return super.namespaceExists(inner(namespace));
  }

  @Override
  public Map<String, String> loadNamespaceMetadata(String[] namespace) throws NoSuchNamespaceException {
    return super.loadNamespaceMetadata(inner(namespace));
  }

  @Override
  public void createNamespace(String[] namespace, Map<String, String> metadata)
      throws NamespaceAlreadyExistsException {
    super.createNamespace(inner(namespace), metadata);
  }

  @Override
  public void alterNamespace(String[] namespace, NamespaceChange... changes) throws NoSuchNamespaceException {
    super.alterNamespace(inner(namespace), changes);
  }

  @Override
  public boolean dropNamespace(String[] namespace, boolean cascade)
      throws NoSuchNamespaceException, NonEmptyNamespaceException {
    return super.dropNamespace(inner(namespace), cascade);
  }

  private StagingTableCatalog staging() {
    return (StagingTableCatalog) delegate;
  }

  @Override
  public StagedTable stageCreate(Identifier ident, Column[] columns, Transform[] partitions,
      Map<String, String> props) throws TableAlreadyExistsException, NoSuchNamespaceException {
    return staging().stageCreate(inner(ident), columns, partitions, props);
  }

  @Override
  public StagedTable stageReplace(Identifier ident, Column[] columns, Transform[] partitions,
      Map<String, String> props) throws NoSuchNamespaceException, NoSuchTableException {
    return staging().stageReplace(inner(ident), columns, partitions, props);
  }

  @Override
  public StagedTable stageCreateOrReplace(Identifier ident, Column[] columns, Transform[] partitions,
      Map<String, String> props) throws NoSuchNamespaceException {
    return staging().stageCreateOrReplace(inner(ident), columns, partitions, props);
  }
}
