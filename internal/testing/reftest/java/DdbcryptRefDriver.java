import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.client.builder.AwsClientBuilder.EndpointConfiguration;
import com.amazonaws.services.dynamodbv2.AmazonDynamoDB;
import com.amazonaws.services.dynamodbv2.AmazonDynamoDBClientBuilder;
import com.amazonaws.services.dynamodbv2.datamodeling.encryption.DynamoDBEncryptor;
import com.amazonaws.services.dynamodbv2.datamodeling.encryption.EncryptionContext;
import com.amazonaws.services.dynamodbv2.datamodeling.encryption.EncryptionFlags;
import com.amazonaws.services.dynamodbv2.datamodeling.encryption.providers.CachingMostRecentProvider;
import com.amazonaws.services.dynamodbv2.datamodeling.encryption.providers.EncryptionMaterialsProvider;
import com.amazonaws.services.dynamodbv2.datamodeling.encryption.providers.SymmetricStaticProvider;
import com.amazonaws.services.dynamodbv2.datamodeling.encryption.providers.WrappedMaterialsProvider;
import com.amazonaws.services.dynamodbv2.datamodeling.encryption.providers.store.MetaStore;
import com.amazonaws.services.dynamodbv2.model.AttributeValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Test driver for ddbcrypt's cross-language tests (internal/reftest): runs the Java reference on
 * jobs read from stdin, one JSON object per line, and answers each with one line on stdout. See
 * internal/reftest/reftest.go for the protocol.
 */
public final class DdbcryptRefDriver {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SIGNATURE = "*amzn-ddb-map-sig*";
  private static final String DESCRIPTION = "*amzn-ddb-map-desc*";
  private static final Map<String, EncryptionMaterialsProvider> PROVIDERS = new HashMap<>();
  private static AmazonDynamoDB ddb;

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, false, "UTF-8");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    out.println("{\"ready\":\"java " + System.getProperty("java.version") + "\"}");
    out.flush();
    for (String line; (line = in.readLine()) != null; ) {
      ObjectNode answer = JSON.createObjectNode();
      try {
        answer.set("items", run(JSON.readTree(line)));
      } catch (Exception e) {
        answer.put("error", e.toString());
      }
      out.println(JSON.writeValueAsString(answer));
      out.flush();
    }
  }

  private static ArrayNode run(JsonNode job) throws Exception {
    DynamoDBEncryptor encryptor = DynamoDBEncryptor.getInstance(provider(job.get("provider")));
    EncryptionContext context =
        new EncryptionContext.Builder()
            .withTableName(job.get("table").asText())
            .withHashKeyName(text(job, "partition_key"))
            .withRangeKeyName(text(job, "sort_key"))
            .build();
    String op = job.get("op").asText();
    ArrayNode results = JSON.createArrayNode();
    for (JsonNode itemJSON : job.get("items")) {
      Map<String, AttributeValue> item = item(itemJSON);
      Map<String, Set<EncryptionFlags>> flags = flags(job, item);
      switch (op) {
        case "encrypt":
          results.add(json(encryptor.encryptRecord(item, flags, context)));
          break;
        case "decrypt":
          results.add(json(encryptor.decryptRecord(item, flags, context)));
          break;
        default:
          throw new IllegalArgumentException("unknown op " + op);
      }
    }
    return results;
  }

  /** The flags of each attribute of item: keys are signed, never encrypted (as in ddbcrypt). */
  private static Map<String, Set<EncryptionFlags>> flags(JsonNode job, Map<String, AttributeValue> item) {
    JsonNode actions = job.get("actions");
    Map<String, Set<EncryptionFlags>> flags = new HashMap<>();
    for (String name : item.keySet()) {
      if (name.equals(SIGNATURE) || name.equals(DESCRIPTION)) {
        continue;
      }
      JsonNode override = actions.path("overrides").get(name);
      String action = override != null ? override.asText() : actions.get("default").asText();
      boolean key = name.equals(text(job, "partition_key")) || name.equals(text(job, "sort_key"));
      if (action.equals("ENCRYPT_AND_SIGN") && !key) {
        flags.put(name, EnumSet.of(EncryptionFlags.ENCRYPT, EncryptionFlags.SIGN));
      } else if (!action.equals("DO_NOTHING")) {
        flags.put(name, EnumSet.of(EncryptionFlags.SIGN));
      }
    }
    return flags;
  }

  private static EncryptionMaterialsProvider provider(JsonNode spec) throws Exception {
    String cacheKey = spec.toString();
    EncryptionMaterialsProvider p = PROVIDERS.get(cacheKey);
    if (p == null) {
      p = newProvider(spec);
      PROVIDERS.put(cacheKey, p);
    }
    return p;
  }

  private static EncryptionMaterialsProvider newProvider(JsonNode spec) throws Exception {
    Map<String, String> description = new HashMap<>();
    spec.path("description").fields().forEachRemaining(e -> description.put(e.getKey(), e.getValue().asText()));
    switch (spec.get("kind").asText()) {
      case "static":
        {
          SecretKey enc = new SecretKeySpec(bytes(spec, "encryption_key"), "AES");
          return spec.has("mac_key")
              ? new SymmetricStaticProvider(enc, mac(spec), description)
              : new SymmetricStaticProvider(enc, signingPair(spec), description);
        }
      case "wrapped":
        {
          Key wrap, unwrap;
          if (spec.has("wrap_key")) {
            wrap = unwrap = new SecretKeySpec(bytes(spec, "wrap_key"), "AES");
          } else {
            wrap = publicKey(bytes(spec, "rsa_public"));
            unwrap = privateKey(bytes(spec, "rsa_private"));
          }
          return spec.has("mac_key")
              ? new WrappedMaterialsProvider(wrap, unwrap, mac(spec), description)
              : new WrappedMaterialsProvider(wrap, unwrap, signingPair(spec), description);
        }
      case "most_recent":
        {
          MetaStore store =
              new MetaStore(dynamoDB(), spec.get("table").asText(), DynamoDBEncryptor.getInstance(provider(spec.get("inner"))));
          return new CachingMostRecentProvider(store, spec.get("material").asText(), spec.path("ttl_ms").asLong(60000));
        }
      default:
        throw new IllegalArgumentException("provider kind " + spec.get("kind") + " is not supported by the Java driver");
    }
  }

  private static SecretKey mac(JsonNode spec) {
    return new SecretKeySpec(bytes(spec, "mac_key"), spec.get("mac_algorithm").asText());
  }

  private static KeyPair signingPair(JsonNode spec) throws Exception {
    return new KeyPair(publicKey(bytes(spec, "signing_rsa_public")), privateKey(bytes(spec, "signing_rsa_private")));
  }

  private static PublicKey publicKey(byte[] der) throws Exception {
    return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
  }

  private static PrivateKey privateKey(byte[] der) throws Exception {
    return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
  }

  /** A client for DynamoDB Local, from the variables of scripts/services.sh env. */
  private static AmazonDynamoDB dynamoDB() {
    if (ddb == null) {
      String endpoint = System.getenv("AWS_ENDPOINT_URL_DYNAMODB");
      if (endpoint == null) {
        throw new IllegalStateException("AWS_ENDPOINT_URL_DYNAMODB is not set");
      }
      String region = System.getenv().getOrDefault("AWS_REGION", "us-east-1");
      ddb =
          AmazonDynamoDBClientBuilder.standard()
              .withEndpointConfiguration(new EndpointConfiguration(endpoint, region))
              .withCredentials(
                  new AWSStaticCredentialsProvider(
                      new BasicAWSCredentials(System.getenv("AWS_ACCESS_KEY_ID"), System.getenv("AWS_SECRET_ACCESS_KEY"))))
              .build();
    }
    return ddb;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
  }

  private static byte[] bytes(JsonNode node, String field) {
    return Base64.getDecoder().decode(node.get(field).asText());
  }

  // DynamoDB JSON <-> AttributeValue.

  private static Map<String, AttributeValue> item(JsonNode json) {
    Map<String, AttributeValue> item = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      item.put(e.getKey(), value(e.getValue()));
    }
    return item;
  }

  private static AttributeValue value(JsonNode json) {
    Map.Entry<String, JsonNode> e = json.fields().next();
    JsonNode v = e.getValue();
    switch (e.getKey()) {
      case "S":
        return new AttributeValue().withS(v.asText());
      case "N":
        return new AttributeValue().withN(v.asText());
      case "B":
        return new AttributeValue().withB(ByteBuffer.wrap(Base64.getDecoder().decode(v.asText())));
      case "BOOL":
        return new AttributeValue().withBOOL(v.asBoolean());
      case "NULL":
        return new AttributeValue().withNULL(v.asBoolean());
      case "M":
        return new AttributeValue().withM(item(v));
      default:
        List<String> strings = new ArrayList<>();
        List<ByteBuffer> buffers = new ArrayList<>();
        List<AttributeValue> values = new ArrayList<>();
        for (JsonNode m : v) {
          strings.add(m.asText());
          if (e.getKey().equals("BS")) buffers.add(ByteBuffer.wrap(Base64.getDecoder().decode(m.asText())));
          if (e.getKey().equals("L")) values.add(value(m));
        }
        switch (e.getKey()) {
          case "SS":
            return new AttributeValue().withSS(strings);
          case "NS":
            return new AttributeValue().withNS(strings);
          case "BS":
            return new AttributeValue().withBS(buffers);
          case "L":
            return new AttributeValue().withL(values);
        }
    }
    throw new IllegalArgumentException("unknown attribute type " + e.getKey());
  }

  private static ObjectNode json(Map<String, AttributeValue> item) {
    ObjectNode o = JSON.createObjectNode();
    item.forEach((name, v) -> o.set(name, json(v)));
    return o;
  }

  private static ObjectNode json(AttributeValue v) {
    ObjectNode o = JSON.createObjectNode();
    if (v.getS() != null) o.put("S", v.getS());
    else if (v.getN() != null) o.put("N", v.getN());
    else if (v.getB() != null) o.put("B", base64(v.getB()));
    else if (v.getBOOL() != null) o.put("BOOL", v.getBOOL());
    else if (v.getNULL() != null) o.put("NULL", v.getNULL());
    else if (v.getM() != null) o.set("M", json(v.getM()));
    else if (v.getSS() != null) v.getSS().forEach(o.putArray("SS")::add);
    else if (v.getNS() != null) v.getNS().forEach(o.putArray("NS")::add);
    else if (v.getBS() != null) {
      ArrayNode a = o.putArray("BS");
      v.getBS().forEach(b -> a.add(base64(b)));
    } else if (v.getL() != null) {
      ArrayNode a = o.putArray("L");
      v.getL().forEach(e -> a.add(json(e)));
    }
    else throw new IllegalArgumentException("empty attribute value");
    return o;
  }

  private static String base64(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] bytes = new byte[d.remaining()];
    d.get(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }
}
